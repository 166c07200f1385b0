/**
 * The response body of a stream (stream.ts): the direct ReadableStream the
 * pump writes its frames into, and the keep-alive clock that writes the
 * comment while the upstream is silent.
 */
import { InternalError } from '../../errors.ts';

/**
 * The keep-alive clock of one stream's chunks: one timer per stream, not one
 * per chunk (a timer and a race per chunk were 8% of the main thread when
 * streaming), and no promise per chunk either: while the pump waits on the
 * upstream, the timer itself writes the comment once nothing has come for
 * `ms` since the wait began.
 */
export class Silence {
  private since = 0;
  private waiting = false;
  private handle: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ms: number,
    private readonly clock: () => number,
    private readonly ping: () => void,
  ) {}

  /** The pump starts waiting on the upstream. */
  wait(): void {
    this.since = this.clock();
    this.waiting = true;
    this.handle ??= setTimeout(this.check, this.ms);
  }

  /** Something came: the pump writes again. */
  heard(): void {
    this.waiting = false;
  }

  stop(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    this.waiting = false;
  }

  private readonly check = () => {
    const quiet = this.clock() - this.since;
    if (this.waiting && quiet >= this.ms) {
      this.since = this.clock();
      this.ping();
      this.handle = setTimeout(this.check, this.ms);
    } else this.handle = setTimeout(this.check, this.waiting ? this.ms - quiet : this.ms);
  };
}

/** Where the pump writes its frames: a promise when the socket's buffer is full (wait for it). */
export type Sink = (frame: string) => Promise<void> | undefined;

/**
 * The pump as a response body. A direct stream: each frame string is written
 * to the socket as is (no encoder, no queue, no generator between), and the
 * next is read from the upstream only once the socket took the last one, so a
 * slow client slows the upstream read instead of filling memory.
 */
export function toReadable(run: (sink: Sink) => Promise<void>, onCancel: () => void): ReadableStream<Uint8Array> {
  let leave = (): void => undefined;
  const gone = new Promise<void>((resolve) => {
    leave = resolve;
  });
  let closed = false;
  return new ReadableStream<Uint8Array>({
    type: 'direct',
    async pull(controller) {
      const sink: Sink = (frame) => {
        if (closed) return undefined;
        const written = controller.write(frame);
        if (typeof written === 'number') {
          controller.flush();
          return undefined;
        }
        // A client that leaves while its socket is full: the wait ends with it.
        return Promise.race([written.then(() => undefined), gone]);
      };
      try {
        await run(sink);
        if (!closed) controller.close();
      } catch (err) {
        if (!closed) controller.close(err instanceof Error ? err : new InternalError());
      }
    },
    cancel() {
      closed = true;
      leave();
      onCancel();
    },
  });
}
