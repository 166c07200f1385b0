/**
 * The main thread's side of the span write thread. Committing spans costs a
 * fifth of the gateway's CPU under load and, when SQLite checkpoints its WAL,
 * stalls whoever commits for tens of milliseconds; on a thread of its own with
 * its own connection neither touches the event loop that serves requests.
 *
 * One batch is in flight at a time (the span writer awaits each), so replies
 * come back in order. Usage events the thread derives in its transaction are
 * handed to `onUsage` on this thread, where the budget gate follows them.
 */
import type { UsageEvent } from '../customer-types.ts';
import type { SpanRecord } from '../types.ts';

export type ThreadRequest =
  | { type: 'open'; path: string }
  /** The spans as one JSON array: a string crosses threads ~3x cheaper than a structured clone of the objects. */
  | { type: 'insert'; id: number; spans: string }
  | { type: 'close'; id: number };

export type ThreadReply =
  | { type: 'done'; id: number; events: UsageEvent[] }
  | { type: 'failed'; id: number; message: string };

// Run from source, the thread's entry sits beside this module. In the single
// executable every module lives in Bun's embedded file system (its main module
// path starts /$bunfs/, or B:\~BUN\ on Windows; import.meta may still name the
// source path there), the entry was compiled in at its path under src/
// (scripts/build.ts), and a relative Worker path resolves against that root.
const COMPILED = /^(?:\/\$bunfs\/|[A-Za-z]:[\\/]~BUN[\\/])/.test(Bun.main);
const THREAD_ENTRY = COMPILED ? './store/sqlite/span-thread.ts' : new URL('./span-thread.ts', import.meta.url).href;

interface Waiting {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class SpanWriteThread {
  private worker: Worker | null = null;
  private closed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    private readonly path: string,
    private readonly onUsage: (events: UsageEvent[]) => void,
  ) {
    this.worker = this.spawn();
  }

  insert(spans: SpanRecord[]): Promise<void> {
    const json = JSON.stringify(spans);
    return this.send((id) => ({ type: 'insert', id, spans: json }));
  }

  /** Commits nothing more; resolves once the thread's connection is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.worker) return;
    try {
      await this.send((id) => ({ type: 'close', id }), true);
    } finally {
      this.worker?.terminate();
      this.worker = null;
    }
  }

  private send(build: (id: number) => ThreadRequest, closing = false): Promise<void> {
    if (this.closed && !closing) return Promise.reject(new Error('the span store is closed'));
    // A thread that died (it should not) is replaced rather than failing every later span.
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(build(id));
    });
  }

  private spawn(): Worker {
    const worker = new Worker(THREAD_ENTRY);
    worker.onmessage = (e: MessageEvent<ThreadReply>) => this.settle(e.data);
    worker.onerror = (e: ErrorEvent) => this.fail(worker, new Error(`span write thread failed: ${e.message}`));
    worker.addEventListener('close', () => this.fail(worker, new Error('span write thread exited')));
    // The server closes the thread on shutdown; it must not keep a CLI command alive.
    worker.unref();
    worker.postMessage({ type: 'open', path: this.path } satisfies ThreadRequest);
    return worker;
  }

  private settle(reply: ThreadReply): void {
    const w = this.waiting.get(reply.id);
    if (!w) return;
    this.waiting.delete(reply.id);
    if (reply.type === 'failed') return w.reject(new Error(reply.message));
    if (reply.events.length > 0) this.onUsage(reply.events);
    w.resolve();
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    // An error event need not end the thread; end it so its connection goes with it.
    worker.terminate();
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
