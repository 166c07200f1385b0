/**
 * One keep-alive connection of the load generator, on Bun's raw TCP/TLS
 * sockets: it writes the prepared request, reads the answer with
 * ResponseReader and records it. Raw sockets instead of fetch() because the
 * generator must cost far less than what it measures, see every chunk as it
 * arrives, and hold exactly the connections it was told to.
 */
import type { Socket, SocketHandler } from 'bun';
import type { FailureKind, Recorder } from './recorder.ts';
import { ResponseReader } from './response.ts';
import type { RequestTarget } from './target.ts';

export interface ConnOwner {
  /** The socket is up, or an answer ended: the connection takes a new request. */
  free(c: Conn): void;
  /**
   * The connection is gone: `kind` is why a request in flight on it failed
   * (already recorded), or 'connect' / 'tls' if it never opened; null when it closed
   * between requests.
   */
  lost(c: Conn, kind: FailureKind | null): void;
}

export class Conn {
  /** When the request in flight counts from: its scheduled start, or its send if that was earlier. */
  origin = 0;
  private busy = false;
  private dead = false;
  private socket: Socket<Conn> | null = null;
  private measured = false;
  private firstEvent = -1;
  private lastEvent = 0;
  private pending: Uint8Array | null = null;
  private readonly reader = new ResponseReader(this);

  constructor(
    private readonly target: RequestTarget,
    private readonly owner: ConnOwner,
    private readonly rec: Recorder,
  ) {
    Bun.connect<Conn>({ hostname: target.hostname, port: target.port, tls: target.tls, data: this, socket: Conn.handlers }).catch(
      () => undefined, // reported by connectError
    );
  }

  send(scheduled: number, measured: boolean, now: number): void {
    const socket = this.socket;
    if (!socket) throw new Error('send on a connection that is not open');
    this.busy = true;
    this.origin = Math.min(scheduled, now);
    this.measured = measured;
    this.firstEvent = -1;
    this.reader.reset();
    const bytes = this.target.bytes;
    const n = socket.write(bytes);
    this.pending = n < bytes.length ? bytes.subarray(Math.max(0, n)) : null;
  }

  /** Drops the connection; a request in flight on it fails as `kind`. */
  abort(kind: FailureKind): void {
    this.fail(kind);
    this.socket?.terminate();
  }

  /** Closes an idle connection at the end of a run. */
  close(): void {
    this.dead = true;
    this.socket?.terminate();
  }

  onEvents(now: number): void {
    if (this.firstEvent < 0) this.firstEvent = now;
    else if (this.measured) this.rec.gap((now - this.lastEvent) * 1000);
    this.lastEvent = now;
  }

  private opened(socket: Socket<Conn>): void {
    this.socket = socket;
    if (this.dead) socket.terminate();
    else this.owner.free(this);
  }

  private read(data: Buffer): void {
    const now = performance.now();
    if (!this.busy) {
      this.abort('protocol'); // bytes nobody asked for
      return;
    }
    let done: boolean;
    try {
      done = this.reader.feed(data, now);
    } catch {
      this.abort('protocol');
      return;
    }
    if (done) this.finish(now);
  }

  private finish(now: number): void {
    this.busy = false;
    if (this.measured) {
      const ttft = this.firstEvent < 0 ? -1 : (this.firstEvent - this.origin) * 1000;
      this.rec.answer(this.reader.status, (now - this.origin) * 1000, ttft);
    }
    if (!this.reader.close) {
      this.owner.free(this);
      return;
    }
    this.dead = true;
    this.socket?.terminate();
    this.owner.lost(this, null);
  }

  private flush(): void {
    const socket = this.socket;
    const pending = this.pending;
    if (!socket || !pending) return;
    const n = socket.write(pending);
    this.pending = n < pending.length ? pending.subarray(Math.max(0, n)) : null;
  }

  private ended(): void {
    if (this.dead) return;
    if (this.busy && this.reader.closed()) this.finish(performance.now());
    if (this.dead) return;
    this.fail(this.busy ? 'closed' : null);
  }

  private fail(kind: FailureKind | null): void {
    if (this.dead) return;
    this.dead = true;
    if (this.busy && kind !== null) {
      this.busy = false;
      if (this.measured) this.rec.fail(kind);
    }
    this.owner.lost(this, kind);
  }

  /** One set of handlers for every socket; each finds its connection in `socket.data`. */
  static readonly handlers: SocketHandler<Conn> = {
    // A TLS socket opens before its handshake; it takes requests once the handshake vouches for the server.
    open: (s) => {
      if (!s.data.target.tls) s.data.opened(s);
    },
    handshake: (s, ok, authError) => {
      if (ok && !authError) s.data.opened(s);
      else {
        s.data.fail('tls');
        s.terminate();
      }
    },
    data: (s, data) => s.data.read(data),
    drain: (s) => s.data.flush(),
    close: (s) => s.data.ended(),
    connectError: (s) => s.data.fail('connect'),
    error: (s) => s.data.abort('protocol'),
  };
}
