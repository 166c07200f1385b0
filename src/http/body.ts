/**
 * The request body layer: every body is read and parsed here, before routing
 * and before any validation, so that the work one request can cost is bounded
 * whatever route it is sent to.
 *
 * - `bufferBodies` (an Elysia `wrap`, around the whole app) reads the body:
 *   413 as soon as the declared or the received length passes
 *   `body_limit_mb`, without reading the rest; 408 when it has not all
 *   arrived within `body_timeout_ms` (a client sending a byte at a time).
 *   The route then gets a request whose body is those bytes, so a route that
 *   reads raw bytes (OTLP protobuf) still can.
 * - `parseBodies` (the app's one `onParse`) turns them into JSON: a nesting
 *   depth over `body_max_depth` is refused by a scan linear in the body's
 *   size before `JSON.parse` runs, so validation only ever sees shallow
 *   values (TypeBox's error reporting on deep values grows faster than
 *   linearly). Bodies in UTF-16/32, invalid UTF-8, or of another media type
 *   are refused with a 4xx naming the problem.
 */
import type { Config } from '../config.ts';
import {
  BadRequestError,
  BodyTimeoutError,
  type GatewayError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import { DeadlineList } from './deadlines.ts';
import { errorResponse, errorShapeOf } from './errors.ts';

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
  maxDepth: number;
}

export function bodyLimits(config: Pick<Config, 'body_limit_mb' | 'body_timeout_ms' | 'body_max_depth'>): BodyLimits {
  return {
    maxBytes: Math.floor(config.body_limit_mb * 1024 * 1024),
    timeoutMs: config.body_timeout_ms,
    maxDepth: config.body_max_depth,
  };
}

/** Routes that take binary bodies of these types and read the bytes themselves (OTLP/HTTP protobuf). */
const RAW_PATHS = /\/v1\/traces\/?$/;
const RAW_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);

/** The bytes each buffered request carries, for the parse hook (which must not consume the body: raw routes read it). */
const buffered = new WeakMap<Request, Uint8Array>();

type Handle = (request: Request) => Response | Promise<Response>;

/** An Elysia `wrap`: reads every body within the limits before the app sees the request. */
export function bufferBodies(limits: BodyLimits) {
  return (handle: unknown) => {
    const next = handle as Handle;
    return async (request: Request): Promise<Response> => {
      // Bodies of every method are read within the limits, GET's too (the app ignores them).
      // A declared length says there is a body without looking at `request.body` (which builds a stream).
      if (request.headers.get('content-length') === null && request.body === null) return next(request);
      let bytes: Uint8Array;
      try {
        bytes = await readBody(request, limits);
      } catch (err) {
        return errorResponse(err as GatewayError, errorShapeOf(new URL(request.url).pathname));
      }
      const copy = withBody(request, bytes);
      if (bytes.byteLength > 0) buffered.set(copy, bytes);
      return next(copy);
    };
  };
}

/** The same request with its body already read: those bytes, their length declared, no chunked framing. */
export function withBody(request: Request, bytes: Uint8Array): Request {
  const headers = new Headers(request.headers);
  headers.delete('transfer-encoding');
  headers.set('content-length', String(bytes.byteLength));
  return new Request(request.url, { method: request.method, headers, body: bytes.byteLength > 0 ? bytes : null, signal: request.signal });
}

/** The body's bytes; throws a GatewayError (413, 408, 400) when they cannot be had within the limits. */
export function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limits.maxBytes) return Promise.reject(new PayloadTooLargeError(limits.maxBytes));
  // A declared length is all HTTP framing lets arrive: read natively. Touching `request.body`
  // would make a JavaScript ReadableStream over the socket first (~10% of the main thread at saturation).
  // Not an async function: the declared read's own promise is the answer (no second one per request).
  if (declared > 0) return readDeclared(request, limits);
  return readChunked(request, limits);
}

/** A body without a declared length, read chunk by chunk within the limits. */
async function readChunked(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const stream = request.body;
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeoutError(limits.timeoutMs)), limits.timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), late]).catch((err: unknown) => {
        throw err instanceof BodyTimeoutError ? err : new BadRequestError('The request body ended before it was complete', 'body');
      });
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBytes) throw new PayloadTooLargeError(limits.maxBytes);
      chunks.push(value);
    }
  } catch (err) {
    // Stop reading: the rest of an over-limit or late body is never taken in.
    reader.cancel().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const deadlineLists = new Map<number, DeadlineList>();
const bodyLate = (ms: number) => new BodyTimeoutError(ms);

/** The process's one list of body deadlines of `ms` (every body one gateway reads has the same). */
function bodyDeadlines(ms: number): DeadlineList {
  let list = deadlineLists.get(ms);
  if (!list) {
    list = new DeadlineList(ms, bodyLate);
    deadlineLists.set(ms, list);
  }
  return list;
}

/** A body of declared length (within the limit) read by Bun itself, or the same errors as the reader loop's. */
function readDeclared(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  // One promise settled by whichever comes first (no Promise.race and its second promise per request),
  // the deadline kept in the process's list rather than by a timer of its own (deadlines.ts).
  return new Promise<Uint8Array>((resolve, reject) => {
    const deadline = bodyDeadlines(limits.timeoutMs).add(reject);
    request.bytes().then(
      (bytes) => {
        deadline.clear();
        resolve(bytes);
      },
      () => {
        deadline.clear();
        reject(new BadRequestError('The request body ended before it was complete', 'body'));
      },
    );
  });
}

/** The media type of a Content-Type header, lower case and without parameters; '' when absent. */
function mediaType(header: string | null): string {
  if (!header) return '';
  const semi = header.indexOf(';');
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  // No Content-Type at all is read as JSON: scripts (Python's `requests` with `data=`) often send none.
  return type === '' || type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** The app's one `onParse`: the buffered bytes as JSON (or as bytes on raw routes). */
export function parseBodies(limits: BodyLimits) {
  return ({ request, path }: { request: Request; path: string }): unknown => {
    const bytes = buffered.get(request);
    if (!bytes) return undefined;
    const type = mediaType(request.headers.get('content-type'));
    if (RAW_TYPES.has(type) && RAW_PATHS.test(path)) return bytes;
    if (!isJsonType(type)) throw new UnsupportedMediaTypeError(type.slice(0, 100));
    return parseJson(bytes, limits.maxDepth);
  };
}

/** One decoder for every body: `decode` without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A NUL among the first four bytes (without a view of them: one object less per request). */
function nulInHead(bytes: Uint8Array): boolean {
  const n = Math.min(4, bytes.length);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON text as a value: refused (400, naming the problem) when not UTF-8, nested deeper than `maxDepth`, or not JSON. */
export function parseJson(bytes: Uint8Array, maxDepth: number): unknown {
  // RFC 8259 §8.1: JSON is UTF-8. A NUL among the first bytes is UTF-16 or UTF-32 (RFC 4627 §3), as are their BOMs.
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (nulInHead(bytes) || (b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe)) {
    throw new BadRequestError('Request body is UTF-16 or UTF-32: JSON must be sent as UTF-8', 'body');
  }
  if (nestingExceeds(bytes, maxDepth)) {
    throw new BadRequestError(`Request body is nested more than ${maxDepth} levels deep (body_max_depth)`, 'body');
  }
  let text: string;
  try {
    // A UTF-8 byte order mark is dropped (RFC 8259 §8.1 lets a parser ignore it).
    text = UTF8.decode(bytes);
  } catch {
    throw new BadRequestError('Request body is not valid UTF-8', 'body');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('Malformed request body: expected valid JSON', 'body');
  }
}

/**
 * Whether arrays and objects nest deeper than `max`, in one pass over the
 * bytes: brackets inside strings do not count, and strings are skipped with
 * a native search for their closing quote. Text that is not JSON may pass;
 * JSON.parse refuses it next.
 */
export function nestingExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i++];
    if (c === QUOTE) {
      for (;;) {
        const end = bytes.indexOf(QUOTE, i);
        if (end < 0) return false;
        let escapes = 0;
        for (let k = end - 1; k >= i && bytes[k] === BACKSLASH; k--) escapes++;
        i = end + 1;
        if (escapes % 2 === 0) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}
