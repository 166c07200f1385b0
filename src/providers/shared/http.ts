/**
 * The one place adapters talk HTTP. It POSTs JSON with the context's fetch and
 * signal and turns every failure into an `UpstreamError`, except aborts.
 * Bodies are read within the context's limits (body.ts). When the api_base is
 * the caller's (`ctx.callerBase`), redirects are not followed and the
 * upstream's own words never reach the error: only its status does, so a
 * caller cannot read an internal service through the gateway.
 *
 * Abort policy: when `ctx.signal` is aborted (client disconnect or routing's
 * timeout) we rethrow `ctx.signal.reason` untouched instead of wrapping it.
 * Routing owns that signal, so it can tell "I gave up" (`err === signal.reason`
 * or `signal.aborted`) from "the provider failed" (`UpstreamError`), and must
 * not retry or fall back on the former.
 */
import { BadRequestError, UpstreamError } from '../../errors.ts';
import type { CallContext } from '../types.ts';
import { flatten } from './batches.ts';
import { DEFAULT_LIMITS, readAtMost, readBounded, UpstreamLimitError } from './body.ts';
import { isRecord } from './json.ts';
import { type SseEvent, SseReader } from './sse.ts';
import { remember } from './verbatim.ts';

export interface UpstreamCall {
  /** Provider id, for the error. */
  provider: string;
  ctx: CallContext;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Headers whose values are credentials and must never leak into messages. */
const SECRET_HEADERS = ['authorization', 'api-key', 'x-api-key', 'x-goog-api-key'];
/** Shapes of well-known keys: OpenAI/Anthropic `sk-...`, Google `AIza...`, bearer tokens. */
const KEY_PATTERN = /\b(?:sk-[A-Za-z0-9_\-]{6,}|AIza[0-9A-Za-z_\-]{20,}|Bearer\s+[A-Za-z0-9._\-]{8,})/g;
/** Of an error body only this much is read (docs/limits.md). */
export const MAX_ERROR_BODY = 4 * 1024;
const MAX_MESSAGE = 1000;
/** An upstream's error type, code or param. */
const MAX_FIELD = 100;
/** How far a quoted upstream body goes in a message. */
const SNIPPET = 200;

/** POSTs JSON; resolves with a 2xx response or throws (see module comment). */
export async function postJson(call: UpstreamCall): Promise<Response> {
  const init = requestInit(call);
  let res: Response;
  try {
    res = await call.ctx.fetch(call.url, init);
  } catch (err) {
    throw connectionFailure(call, err);
  }
  if (res.ok) return res;
  throw await errorFromResponse(call, res);
}

/**
 * `postJson` then `readJson`, in one async step: what a plain call needs, one async frame (its
 * generator, promise and scope) less per call than the two.
 */
export async function postForJson(call: UpstreamCall, keepText = false): Promise<unknown> {
  const init = requestInit(call);
  let res: Response;
  try {
    res = await call.ctx.fetch(call.url, init);
  } catch (err) {
    throw connectionFailure(call, err);
  }
  if (!res.ok) throw await errorFromResponse(call, res);
  let text: string;
  try {
    text = await readBounded(res, limitsOf(call.ctx).maxBodyBytes);
  } catch (err) {
    throw connectionFailure(call, err);
  }
  return parseAnswer(call, res, text, keepText);
}

/** The fetch options of a call; a body that cannot be encoded is the request's fault (no connection tried). */
function requestInit(call: UpstreamCall): RequestInit {
  let body: string;
  try {
    body = JSON.stringify(call.body);
  } catch (err) {
    // A body nested past the engine's stack.
    throw new BadRequestError(`The request cannot be encoded for ${call.provider}: ${err instanceof Error ? err.message : String(err)}`, 'body');
  }
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...call.headers },
    body,
    signal: call.ctx.signal,
    // A caller's base could bounce us anywhere (a metadata address); its 3xx is its answer.
    redirect: call.ctx.callerBase ? 'manual' : 'follow',
  };
}

/**
 * Reads a 2xx JSON body within the size limit; bad JSON is the provider's fault (502, retryable).
 * `keepText`: an object keeps the text it was parsed from (verbatim.ts), for an answer passed on unchanged.
 */
export async function readJson(call: UpstreamCall, res: Response, keepText = false): Promise<unknown> {
  let text: string;
  try {
    text = await readBounded(res, limitsOf(call.ctx).maxBodyBytes);
  } catch (err) {
    throw connectionFailure(call, err);
  }
  return parseAnswer(call, res, text, keepText);
}

function parseAnswer(call: UpstreamCall, res: Response, text: string, keepText: boolean): unknown {
  try {
    const json = JSON.parse(text) as unknown;
    return keepText && isRecord(json) ? remember(json, text) : json;
  } catch {
    const type = res.headers.get('content-type');
    const what = `${call.provider} sent invalid JSON${type && !type.includes('json') ? ` (content-type ${type})` : ''}`;
    throw upstreamError(call, 502, `${what}: ${text.slice(0, SNIPPET)}`, { generic: `${call.provider} sent invalid JSON` });
  }
}

function limitsOf(ctx: CallContext) {
  return ctx.limits ?? DEFAULT_LIMITS;
}

/** Network failure, a limit passed (or abort, rethrown as the signal's reason). */
export function connectionFailure(call: UpstreamCall, err: unknown): unknown {
  if (call.ctx.signal.aborted) return call.ctx.signal.reason ?? err;
  if (err instanceof UpstreamError) return err;
  if (err instanceof UpstreamLimitError) {
    return err.kind === 'size'
      ? upstreamError(call, 502, `${call.provider} sent an answer ${err.message} (routing.max_upstream_body_mb)`)
      : upstreamError(call, 504, `${call.provider} sent ${err.message} (routing.stream_idle_timeout_ms)`, {
          type: 'timeout_error',
        });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return upstreamError(call, 0, `connection to ${call.provider} failed: ${detail}`);
}

export interface ErrorFields {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
}

/**
 * Reads the error out of any of the three provider error shapes:
 * OpenAI `{"error":{"message","type","code","param"}}`,
 * Anthropic `{"type":"error","error":{"type","message"}}`,
 * Gemini `{"error":{"code":400,"message","status":"INVALID_ARGUMENT"}}` (status -> code),
 * plus the loose `{"error":"..."}` / `{"message"}` / `{"detail"}` of small servers.
 */
export function parseErrorBody(body: unknown): ErrorFields {
  if (!isRecord(body)) return {};
  const e = body.error;
  if (typeof e === 'string') return { message: e };
  const src = isRecord(e) ? e : body;
  const out: ErrorFields = {};
  const msg = src.message ?? src.detail;
  if (typeof msg === 'string') out.message = msg;
  if (typeof src.type === 'string' && src.type !== 'error') out.type = src.type;
  if (typeof src.code === 'string') out.code = src.code;
  else if (typeof src.status === 'string') out.code = src.status;
  if (typeof src.param === 'string') out.param = src.param;
  return out;
}

/** Builds the UpstreamError for a non-2xx response from the first MAX_ERROR_BODY bytes of its body. */
export async function errorFromResponse(call: UpstreamCall, res: Response): Promise<UpstreamError> {
  let text = '';
  try {
    text = await readAtMost(res, MAX_ERROR_BODY);
  } catch {
    // The status alone is enough to classify the failure.
  }
  let fields: ErrorFields = {};
  try {
    fields = parseErrorBody(JSON.parse(text) as unknown);
  } catch {
    if (text.trim()) fields = { message: text.trim() };
  }
  const retryAfterMs = parseRetryAfter(res.headers);
  const status = `HTTP ${res.status} ${res.statusText}`.trim();
  return upstreamError(call, res.status, fields.message ?? status, {
    ...fields,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    generic: `${call.provider} answered ${status} at the api_base given in the request (its answer is not passed on)`,
  });
}

export interface UpstreamErrorExtra extends ErrorFields {
  retryAfterMs?: number;
  /**
   * The message without the upstream's own words, used when the api_base is
   * the caller's; without it the message is taken to be the gateway's own.
   */
  generic?: string;
}

/**
 * An UpstreamError with credentials scrubbed from the message. From a
 * caller's api_base it carries the generic message and no upstream type,
 * code or param.
 */
export function upstreamError(
  call: Pick<UpstreamCall, 'provider' | 'ctx'> & { headers?: Record<string, string> },
  status: number,
  message: string,
  extra: UpstreamErrorExtra = {},
): UpstreamError {
  const caller = call.ctx.callerBase === true;
  const fields: ErrorFields = caller ? (extra.type === 'timeout_error' ? { type: extra.type } : {}) : extra;
  const secrets = secretsOf(call.ctx, call.headers);
  // Every string an upstream wrote is scrubbed: a server may echo the key in its code as well as its message.
  const clean = (s: string, max: number) => redact(s, secrets).slice(0, max);
  return new UpstreamError({
    provider: call.provider,
    model: call.ctx.model,
    status,
    message: clean(caller ? (extra.generic ?? message) : message, MAX_MESSAGE),
    ...(fields.type === undefined ? {} : { type: clean(fields.type, MAX_FIELD) }),
    ...(fields.code === undefined ? {} : { code: clean(fields.code, MAX_FIELD) }),
    ...(fields.param === undefined ? {} : { param: clean(fields.param, MAX_FIELD) }),
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    callerCredentials: call.ctx.callerCredentials,
  });
}

function secretsOf(ctx: CallContext, headers: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  if (ctx.credentials.api_key) out.push(ctx.credentials.api_key);
  if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      if (SECRET_HEADERS.includes(name.toLowerCase())) out.push(value.replace(/^Bearer\s+/i, ''));
    }
  }
  return out;
}

/** Removes credential values and anything shaped like a key. */
export function redact(message: string, secrets: readonly string[] = []): string {
  let out = message;
  for (const s of secrets) {
    // Very short values would mangle ordinary words and are not real keys.
    if (s.length >= 6) out = out.split(s).join('[REDACTED]');
  }
  return out.replace(KEY_PATTERN, '[REDACTED]');
}

/**
 * `retry-after-ms` (OpenAI/Azure) wins over `Retry-After`, which is either
 * delta-seconds (possibly fractional) or an HTTP-date.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Math.round(Number(ms)));
  const v = headers.get('retry-after');
  if (v === null || v.trim() === '') return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** SSE events of a 2xx streaming response, one at a time (see `upstreamEventBatches`). */
export function upstreamEvents(call: UpstreamCall, res: Response): AsyncGenerator<SseEvent, void, undefined> {
  return flatten(upstreamEventBatches(call, res), (ev) => ev);
}

/**
 * SSE events of a 2xx streaming response, as many as each network read
 * completed, within the context's limits. A body that is not an event stream
 * is a 502; a broken connection an UpstreamError with status 0; a limit
 * passed a 502 (size) or 504 (idle); an abort rethrows the signal's reason.
 */
export async function* upstreamEventBatches(call: UpstreamCall, res: Response): AsyncGenerator<SseEvent[], void, undefined> {
  const reader = await upstreamSse(call, res);
  try {
    for (let batch = await nextEvents(call, reader); batch !== null; batch = await nextEvents(call, reader)) yield batch;
  } finally {
    reader.close();
  }
}

/** The reader under `upstreamEventBatches`, for a caller that reads it in its own loop (and closes it). */
export async function upstreamSse(call: UpstreamCall, res: Response): Promise<SseReader> {
  if (!res.body) throw upstreamError(call, 502, 'upstream sent an empty stream');
  const type = res.headers.get('content-type');
  // No content-type at all is tolerated (small servers); a different one is not a stream.
  if (type && !type.toLowerCase().startsWith('text/event-stream')) {
    const head = await readAtMost(res, SNIPPET).catch(() => '');
    throw upstreamError(
      call,
      502,
      `${call.provider} answered a stream request with content-type ${type}, not text/event-stream: ${head}`,
      { generic: `${call.provider} answered a stream request with a content-type other than text/event-stream` },
    );
  }
  return new SseReader(res.body, limitsOf(call.ctx));
}

/** The reader's next batch, its failures as upstreamEventBatches reports them. */
export async function nextEvents(call: UpstreamCall, reader: SseReader): Promise<SseEvent[] | null> {
  try {
    return await reader.next();
  } catch (err) {
    throw connectionFailure(call, err);
  }
}

/** The JSON of one stream event; bad JSON is the provider's fault (502). */
export function eventJson(call: UpstreamCall, ev: SseEvent): unknown {
  try {
    return JSON.parse(ev.data) as unknown;
  } catch {
    throw upstreamError(call, 502, `${call.provider} sent invalid JSON in stream: ${ev.data.slice(0, SNIPPET)}`, {
      generic: `${call.provider} sent invalid JSON in stream`,
    });
  }
}

/** What a failure reported inside a 200 stream says when its own words are not passed on. */
export const STREAM_ERROR = 'upstream stream error';

/** Status for an error reported inside a 200 stream: its numeric code if it is an HTTP status. */
export function statusFromCode(code: unknown, fallback: number): number {
  return typeof code === 'number' && code >= 400 && code <= 599 ? code : fallback;
}
