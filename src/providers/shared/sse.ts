/**
 * Incremental Server-Sent Events parser (WHATWG rules): lines end in LF, CRLF
 * or CR (even when split across chunks), `:` starts a comment, multi-line
 * `data` joins with "\n", a blank line dispatches. It sits on the streaming
 * hot path, so it scans with cached `indexOf` positions (no regex, no per-line
 * arrays).
 */
import { UpstreamLimitError, type UpstreamLimits } from './body.ts';

export interface SseEvent {
  /** The `event:` field, or "message" when absent. */
  event: string;
  data: string;
  id?: string;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

export class SseParser {
  private rest = '';
  /** The previous chunk ended in CR: a leading LF in the next one belongs to it. */
  private skipLf = false;
  private event = '';
  private data = '';
  private hasData = false;
  private id: string | undefined;

  /** Parses `text` and pushes every completed event onto `out`. */
  feed(text: string, out: SseEvent[]): void {
    let buf = this.rest.length > 0 ? this.rest + text : text;
    let pos = 0;
    if (this.skipLf && buf.charCodeAt(0) === LF) pos = 1;
    this.skipLf = false;
    const len = buf.length;
    if (!this.hasData && this.event === '') pos = this.whole(buf, pos, out);
    let nl = buf.indexOf('\n', pos);
    let cr = buf.indexOf('\r', pos);
    while (pos < len) {
      if (nl !== -1 && nl < pos) nl = buf.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = buf.indexOf('\r', pos);
      let end: number;
      if (cr === -1) end = nl;
      else if (nl === -1) end = cr;
      else end = nl < cr ? nl : cr;
      if (end === -1) break;
      this.line(buf, pos, end, out);
      if (buf.charCodeAt(end) === CR) {
        if (end + 1 === len) this.skipLf = true;
        else if (buf.charCodeAt(end + 1) === LF) end++;
      }
      pos = end + 1;
    }
    this.rest = pos < len ? buf.slice(pos) : '';
    buf = '';
  }

  /**
   * The common case without the line loop: whole `data: X` events, each one line and a blank line
   * with LF endings (what OpenAI-compatible servers send), as the general rules would read them.
   * Stops at anything else (another field, a comment, a CR, an event not yet complete) and returns
   * where the general loop goes on.
   */
  private whole(buf: string, from: number, out: SseEvent[]): number {
    let pos = from;
    const cr = buf.indexOf('\r', pos);
    const limit = cr === -1 ? buf.length : cr;
    while (buf.startsWith('data: ', pos)) {
      const nl = buf.indexOf('\n', pos + 6);
      if (nl === -1 || nl + 1 >= limit || buf.charCodeAt(nl + 1) !== LF) break;
      const ev: SseEvent = { event: 'message', data: buf.slice(pos + 6, nl) };
      if (this.id !== undefined) ev.id = this.id;
      out.push(ev);
      pos = nl + 2;
    }
    return pos;
  }

  /** End of stream: flushes a trailing line and an event with no final blank line. */
  end(out: SseEvent[]): void {
    if (this.rest.length > 0) {
      const r = this.rest;
      this.rest = '';
      this.line(r, 0, r.length, out);
    }
    this.dispatch(out);
  }

  private line(buf: string, start: number, end: number, out: SseEvent[]): void {
    if (start === end) {
      this.dispatch(out);
      return;
    }
    const first = buf.charCodeAt(start);
    if (first === COLON) return; // comment, e.g. keep-alive
    const colon = buf.indexOf(':', start);
    let field: string;
    let value: string;
    if (colon === -1 || colon >= end) {
      field = buf.slice(start, end);
      value = '';
    } else {
      field = buf.slice(start, colon);
      const vs = buf.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = vs < end ? buf.slice(vs, end) : '';
    }
    switch (field) {
      case 'data':
        if (this.hasData) this.data += '\n' + value;
        else {
          this.data = value;
          this.hasData = true;
        }
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
        // `retry` and unknown fields do not matter to an API client.
        break;
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.hasData) {
      const ev: SseEvent = { event: this.event || 'message', data: this.data };
      if (this.id !== undefined) ev.id = this.id;
      out.push(ev);
    }
    this.event = '';
    this.data = '';
    this.hasData = false;
  }
}

/**
 * The events of a byte stream, as many at a time as each network read
 * completed (never an empty batch): a fast upstream's whole answer often
 * comes in one read, and handing its chunks on together costs one trip
 * through the stream layers instead of one per chunk. `next()` is a plain
 * async call (one promise a read), so a stream's reader is not a layer of
 * generators of its own. Read errors propagate unchanged. With limits, more
 * than `maxBytes` in all, or `streamIdleMs` without a complete event while we
 * wait on the upstream (not while the consumer holds a batch: a slow reader
 * is not a silent upstream), throw UpstreamLimitError. `close()` stops the
 * upstream read (cancels the reader) unless the stream ended, so a client
 * disconnect frees the provider connection.
 */
export class SseReader {
  private readonly reader: ReturnType<typeof defaultReader>;
  private readonly decoder = new TextDecoder();
  private readonly parser = new SseParser();
  private readonly maxBytes: number;
  private readonly idle: IdleWatch | null;
  private bytes = 0;
  private finished = false;
  private closed = false;

  constructor(body: ReadableStream<Uint8Array>, limits: Partial<UpstreamLimits> = {}) {
    const reader = defaultReader(body);
    this.reader = reader;
    this.maxBytes = limits.maxBodyBytes ?? Number.POSITIVE_INFINITY;
    this.idle = limits.streamIdleMs === undefined ? null : idleWatch(limits.streamIdleMs, (cut) => reader.cancel(cut));
  }

  /** The next batch of events, or null once the stream has ended. */
  async next(): Promise<SseEvent[] | null> {
    if (this.finished) return null;
    const idle = this.idle;
    idle?.resume();
    for (;;) {
      const { done, value } = await this.reader.read();
      if (idle?.cut) throw idle.cut;
      if (done) break;
      this.bytes += value.byteLength;
      if (this.bytes > this.maxBytes) throw new UpstreamLimitError('size', this.maxBytes);
      const out: SseEvent[] = [];
      this.parser.feed(this.decoder.decode(value, { stream: true }), out);
      if (out.length === 0) continue;
      if (idle) idle.paused = true;
      return out;
    }
    this.finished = true;
    const out: SseEvent[] = [];
    this.parser.feed(this.decoder.decode(), out);
    this.parser.end(out);
    return out.length > 0 ? out : null;
  }

  /** Done with the stream, whether it ended or not. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle?.stop();
    if (!this.finished) this.reader.cancel().catch(() => undefined);
    try {
      this.reader.releaseLock();
    } catch {
      // Already released by a cancel in flight; nothing else holds it.
    }
  }
}

function defaultReader(body: ReadableStream<Uint8Array>) {
  return body.getReader();
}

/** `SseReader` as an async generator: stopping early cancels the underlying stream. */
export async function* readSseBatches(
  body: ReadableStream<Uint8Array>,
  limits: Partial<UpstreamLimits> = {},
): AsyncGenerator<SseEvent[], void, undefined> {
  const r = new SseReader(body, limits);
  try {
    for (let batch = await r.next(); batch !== null; batch = await r.next()) yield batch;
  } finally {
    r.close();
  }
}

interface IdleWatch {
  /** Set while the consumer holds an event. */
  paused: boolean;
  /** The error the watch cut the stream with, once it has. */
  cut: UpstreamLimitError | null;
  resume(): void;
  stop(): void;
}

/**
 * One timer per stream, not one per event: it wakes at most every `ms`,
 * and cuts the stream when the upstream has been quiet that long.
 */
function idleWatch(ms: number, cancel: (reason: UpstreamLimitError) => Promise<void>): IdleWatch {
  let quietSince = performance.now();
  let handle: ReturnType<typeof setTimeout> | undefined;
  const w: IdleWatch = {
    paused: false,
    cut: null,
    resume() {
      w.paused = false;
      quietSince = performance.now();
    },
    stop() {
      clearTimeout(handle);
    },
  };
  const check = () => {
    const quiet = performance.now() - quietSince;
    if (w.paused || quiet < ms) {
      handle = setTimeout(check, w.paused ? ms : ms - quiet).unref();
      return;
    }
    w.cut = new UpstreamLimitError('idle', ms);
    cancel(w.cut).catch(() => undefined);
  };
  // Unref'd: a stream nobody finished must not keep the process alive.
  handle = setTimeout(check, ms).unref();
  return w;
}
