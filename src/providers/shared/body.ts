/**
 * Reading upstream bodies within bounds (docs/limits.md): a whole answer up to
 * `routing.max_upstream_body_mb` (refused before reading when the declared
 * length is over it), and only the first bytes of an error body. Whatever an
 * upstream sends, one call holds at most the limit in memory.
 */

export interface UpstreamLimits {
  /** Largest answer, streamed or not, in bytes. */
  maxBodyBytes: number;
  /** Longest wait for the next complete stream event, in ms. */
  streamIdleMs: number;
}

/** The config defaults, for callers (tests, tools) that set no limits. */
export const DEFAULT_LIMITS: UpstreamLimits = { maxBodyBytes: 32 * 1024 * 1024, streamIdleMs: 300_000 };

/** An upstream went past one of the limits; the HTTP layer names the provider. */
export class UpstreamLimitError extends Error {
  constructor(
    readonly kind: 'size' | 'idle',
    readonly limit: number,
  ) {
    super(kind === 'size' ? `larger than the limit of ${limit} bytes` : `no stream event for ${limit} ms`);
  }
}

const ignore = () => undefined;

/** The whole body as text, or UpstreamLimitError('size') as soon as it is known to be too large. */
export function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    res.body?.cancel().catch(ignore);
    return Promise.reject(new UpstreamLimitError('size', maxBytes));
  }
  // A declared length within the limit bounds what is read, unless the body is compressed (fetch
  // inflates it past its declared length): then the native read skips the chunk loop (reader,
  // copies, decoder), which cost a fifth of the gateway's CPU per proxied completion. It comes
  // before any look at `res.body`, which would build a JavaScript stream over the body first.
  if (Number.isFinite(declared) && !res.headers.has('content-encoding')) return res.text();
  return readStreamed(res, maxBytes);
}

/** A body of no declared length, or a compressed one, read chunk by chunk within the limit. */
async function readStreamed(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  return new TextDecoder().decode(await collect(res.body, maxBytes, true));
}

/** At most the first `maxBytes` of the body as text; the rest is never read. */
export async function readAtMost(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const bytes = await collect(res.body, maxBytes, false);
  return new TextDecoder().decode(bytes.subarray(0, maxBytes));
}

/** Reads up to `maxBytes`; past it, throws (`strict`) or stops and cancels the rest. */
async function collect(body: ReadableStream<Uint8Array>, maxBytes: number, strict: boolean): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      size += value.byteLength;
      if (size > maxBytes && strict) throw new UpstreamLimitError('size', maxBytes);
      chunks.push(value);
      if (!strict && size >= maxBytes) break;
    }
  } finally {
    if (!complete) reader.cancel().catch(ignore);
    try {
      reader.releaseLock();
    } catch {
      // Already released by the cancel in flight.
    }
  }
  return Buffer.concat(chunks);
}
