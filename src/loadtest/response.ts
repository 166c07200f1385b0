/**
 * An HTTP/1.1 response reader for the load generator: it follows one response
 * at a time over a keep-alive connection (status line, Content-Length or
 * chunked bodies, or a body that ends when the connection closes) and, for
 * `text/event-stream` bodies, notes when each network read brought at least
 * one SSE `data:` event: the first is the time to first token, the rest give
 * the gaps between chunks. Bodies are never decoded or kept: load generation
 * must cost the machine as little as possible.
 */
const CRLFCRLF = Buffer.from('\r\n\r\n');
const DATA = Buffer.from('data:');
const NL = 10;

type BodyMode = 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

export interface StreamTiming {
  /** Called once per read that carried one or more SSE data events. */
  onEvents(now: number): void;
}

export class ResponseReader {
  status = 0;
  /** The server asked to close the connection after this response. */
  close = false;
  events = 0;
  private head: Buffer | null = null;
  private inBody = false;
  private mode: BodyMode = 'length';
  private remaining = 0;
  private chunk: ChunkState = 'size';
  private size = 0;
  private sizeDigits = 0;
  private sizeEnded = false;
  private trailerLine = 0;
  private sse = false;
  // SSE scan state across reads: the current line's bytes matched against "data:" (-1: not a data line).
  private match = 0;

  constructor(private readonly timing: StreamTiming) {}

  /** Ready for the next response on the same connection. */
  reset(): void {
    this.status = 0;
    this.close = false;
    this.events = 0;
    this.head = null;
    this.inBody = false;
    this.mode = 'length';
    this.remaining = 0;
    this.chunk = 'size';
    this.size = 0;
    this.sizeDigits = 0;
    this.sizeEnded = false;
    this.sse = false;
    this.match = 0;
  }

  /** Feeds one network read; true when the response is complete. Throws on a malformed response. */
  feed(data: Buffer, now: number): boolean {
    let buf = data;
    let start = 0;
    if (!this.inBody) {
      buf = this.head ? Buffer.concat([this.head, data]) : data;
      const end = buf.indexOf(CRLFCRLF);
      if (end < 0) {
        if (buf.length > 64 * 1024) throw new Error('response head larger than 64 KiB');
        this.head = buf;
        return false;
      }
      this.head = null;
      this.parseHead(buf.toString('latin1', 0, end));
      this.inBody = true;
      start = end + 4;
      if (this.mode === 'length' && this.remaining === 0) return true;
    }
    return this.mode === 'chunked' ? this.chunked(buf, start, now) : this.plain(buf, start, now);
  }

  /** The connection closed: true if that ends the response (a body delimited by the close). */
  closed(): boolean {
    return this.inBody && this.mode === 'close';
  }

  private parseHead(head: string): void {
    if (!head.startsWith('HTTP/1.')) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 40))}`);
    this.status = Number(head.slice(9, 12));
    if (!Number.isInteger(this.status) || this.status < 100) throw new Error('bad status line');
    const lower = head.toLowerCase();
    const length = header(lower, 'content-length');
    const te = header(lower, 'transfer-encoding');
    this.close = header(lower, 'connection') === 'close' || head.startsWith('HTTP/1.0');
    this.sse = (header(lower, 'content-type') ?? '').startsWith('text/event-stream');
    if (te !== undefined && te.includes('chunked')) this.mode = 'chunked';
    else if (length !== undefined) {
      this.mode = 'length';
      this.remaining = Number(length);
      if (!Number.isSafeInteger(this.remaining) || this.remaining < 0) throw new Error(`bad content-length ${length}`);
    } else if (this.status === 204 || this.status === 304) {
      this.mode = 'length';
      this.remaining = 0;
    } else {
      this.mode = 'close';
      this.close = true;
    }
  }

  private plain(buf: Buffer, start: number, now: number): boolean {
    const n = this.mode === 'length' ? Math.min(this.remaining, buf.length - start) : buf.length - start;
    this.scan(buf, start, start + n, now);
    if (this.mode === 'close') return false;
    this.remaining -= n;
    return this.remaining === 0;
  }

  private chunked(buf: Buffer, start: number, now: number): boolean {
    const before = this.events;
    const done = this.chunks(buf, start);
    if (this.events > before) this.timing.onEvents(now);
    return done;
  }

  /** Walks the chunked framing, scanning each chunk's payload; true at the end of the body. */
  private chunks(buf: Buffer, start: number): boolean {
    let i = start;
    while (i < buf.length) {
      if (this.chunk === 'data') {
        const n = Math.min(this.remaining, buf.length - i);
        if (this.sse) this.countEvents(buf, i, i + n);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          this.chunk = 'data-end';
          this.remaining = 2;
        }
      } else if (this.chunk === 'data-end') {
        const n = Math.min(this.remaining, buf.length - i);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.chunk = 'size';
      } else if (this.chunk === 'size') {
        // Hex digits, then an optional extension and CR, up to LF; read byte by byte (no string per chunk).
        const c = buf[i++] as number;
        if (c !== NL) {
          const digit = this.sizeEnded ? -1 : hexDigit(c);
          if (digit >= 0) {
            this.size = this.size * 16 + digit;
            if (++this.sizeDigits > 12) throw new Error('bad chunk size');
          } else if (this.sizeDigits === 0) throw new Error('bad chunk size');
          else this.sizeEnded = true;
          continue;
        }
        if (this.sizeDigits === 0) throw new Error('bad chunk size');
        this.chunk = this.size === 0 ? 'trailer' : 'data';
        this.remaining = this.size;
        this.size = 0;
        this.sizeDigits = 0;
        this.sizeEnded = false;
        this.trailerLine = 0;
      } else {
        // Trailer lines until an empty one, which ends the response.
        const c = buf[i++] as number;
        if (c === NL) {
          if (this.trailerLine === 0) return true;
          this.trailerLine = 0;
        } else if (c !== 13) this.trailerLine++;
      }
    }
    return false;
  }

  private scan(buf: Buffer, from: number, to: number, now: number): void {
    if (!this.sse || from >= to) return;
    const before = this.events;
    this.countEvents(buf, from, to);
    if (this.events > before) this.timing.onEvents(now);
  }

  /** Counts the lines of buf[from, to) that start with "data:", carrying a cut line over to the next call. */
  private countEvents(buf: Buffer, from: number, to: number): void {
    let i = from;
    while (i < to) {
      if (this.match >= 0) {
        const c = buf[i] as number;
        if (c === DATA[this.match]) {
          i++;
          if (++this.match === DATA.length) {
            this.events++;
            this.match = -1;
          }
          continue;
        }
        if (c === NL) {
          i++;
          this.match = 0;
          continue;
        }
        this.match = -1;
      }
      // Not a data line (or its prefix is done): skip to the next line natively.
      const nl = buf.indexOf(NL, i);
      if (nl < 0 || nl >= to) return;
      i = nl + 1;
      this.match = 0;
    }
  }
}

/** The value of a hex digit's byte, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** A header's value from a lower-cased response head, or undefined. */
function header(lowerHead: string, name: string): string | undefined {
  const at = lowerHead.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const from = at + name.length + 3;
  const end = lowerHead.indexOf('\r\n', from);
  return lowerHead.slice(from, end < 0 ? undefined : end).trim();
}
