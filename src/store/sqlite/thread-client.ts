/**
 * The main thread's side of one SQLite thread of the store. bun:sqlite is
 * synchronous: a query, a commit or a WAL checkpoint on the event loop would
 * stall every request the gateway is serving, so each connection lives on a
 * thread of its own and the event loop only awaits replies.
 *
 * Requests are answered in order. A thread that dies is replaced on the next
 * request; what was waiting on it is handed back to the caller (`kill`) or
 * retried when it is safe to (reads, and span batches, whose insert ignores
 * spans already stored).
 */
import type { CommittedUsage } from '../state-types.ts';
import type { SpanRecord } from '../types.ts';
import type { ConnectionOptions } from './connection.ts';
import type { PartName, StoreSettings } from './local.ts';
import { type EncodedBatch, encodeBatch, encodeBatchNow } from './span-handoff.ts';

export type ThreadRequest =
  | { type: 'open'; path: string; connection: ConnectionOptions; settings: StoreSettings }
  | { type: 'call'; id: number; part: PartName; method: string; args: unknown[] }
  /** The spans as span-handoff.ts encodes them. */
  | { type: 'insert'; id: number; spans: EncodedBatch }
  | { type: 'ping'; id: number }
  /** From now on, copy the WAL into the database once `mb` MiB of it wait (wal-checkpoints.ts). */
  | { type: 'checkpoints'; id: number; mb: number; everyMs: number }
  | { type: 'close'; id: number };

export type ThreadReply =
  | { type: 'done'; id: number; value: unknown }
  | { type: 'failed'; id: number; message: string; code: string | null };

/** An error the thread's SQLite raised, with its code (SQLITE_FULL, SQLITE_READONLY, ...). */
export class SqliteThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** A request that can be sent again, to this thread or another. */
export interface Job {
  build: (id: number) => ThreadRequest;
  /** Safe to run twice (reads; span batches). */
  retryable: boolean;
  /** Threads it was sent to: a job that kills thread after thread is given up. */
  tries: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

// Run from source, the thread's entry sits beside this module. In the single
// executable every module lives in Bun's embedded file system (its main module
// path starts /$bunfs/, or B:\~BUN\ on Windows; import.meta may still name the
// source path there), the entry was compiled in at its path under src/
// (scripts/build.ts), and a relative Worker path resolves against that root.
const COMPILED = /^(?:\/\$bunfs\/|[A-Za-z]:[\\/]~BUN[\\/])/.test(Bun.main);
const THREAD_ENTRY = COMPILED ? './store/sqlite/thread.ts' : new URL('./thread.ts', import.meta.url).href;

const MAX_TRIES = 3;

export class StoreThread {
  private worker: Worker | null = null;
  private closed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, Job>();
  /** Threads started, the first included: a restart count for health and tests. */
  starts = 0;

  constructor(
    private readonly path: string,
    private readonly connection: ConnectionOptions,
    private readonly settings: StoreSettings,
  ) {}

  /** Requests sent and not yet answered. */
  get load(): number {
    return this.waiting.size;
  }

  call(part: PartName, method: string, args: unknown[], retryable: boolean): Promise<unknown> {
    return this.submit((id) => ({ type: 'call', id, part, method, args }), retryable);
  }

  async insert(spans: SpanRecord[]): Promise<CommittedUsage[]> {
    let encoded: EncodedBatch | null = await encodeBatch(spans);
    // The bytes are transferred (gone from here) when sent: a batch handed over again, after
    // its thread died, is encoded again, at once (a rare path).
    const take = (): EncodedBatch => {
      const bytes = encoded ?? encodeBatchNow(spans);
      encoded = null;
      return bytes;
    };
    return this.submit((id) => ({ type: 'insert', id, spans: take() }), true) as Promise<CommittedUsage[]>;
  }

  ping(): Promise<boolean> {
    return this.submit((id) => ({ type: 'ping', id }), true).then((v) => v === true);
  }

  submit(build: Job['build'], retryable: boolean): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => this.send({ build, retryable, tries: 0, resolve, reject }));
  }

  /** Sends a job (new, or handed over from a thread that died). */
  send(job: Job): void {
    if (this.closed) return job.reject(new Error('the store is closed'));
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    job.tries++;
    // An idle thread must not keep a finished command alive; one with a request out must
    // keep the process alive until it answers (nothing else may be holding the event loop).
    if (this.waiting.size === 0) worker.ref();
    this.waiting.set(id, job);
    const msg = job.build(id);
    if (msg.type === 'insert') worker.postMessage(msg, { transfer: [msg.spans.json.buffer as ArrayBuffer] });
    else worker.postMessage(msg);
  }

  /**
   * Ends the thread now (a query past its time budget runs on in native code
   * until it returns; the thread is ended then, and `onExit` told). Returns
   * the jobs that were waiting on it, for the caller to fail or send elsewhere.
   */
  kill(onExit?: () => void): Job[] {
    const worker = this.worker;
    this.worker = null;
    if (worker && onExit) worker.addEventListener('close', () => onExit(), { once: true });
    else onExit?.();
    worker?.terminate();
    const jobs = [...this.waiting.values()];
    this.waiting.clear();
    return jobs;
  }

  /**
   * Ends the thread as a crash would (fault injection for tests): what was
   * waiting on it is taken over by a new thread, as after a real crash.
   */
  crash(): void {
    this.worker?.terminate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker) {
      await new Promise<unknown>((resolve) =>
        this.send({ build: (id) => ({ type: 'close', id }), retryable: false, tries: 0, resolve, reject: resolve }),
      );
      worker.terminate();
    }
    this.closed = true;
    this.worker = null;
  }

  private spawn(): Worker {
    this.starts++;
    const worker = new Worker(THREAD_ENTRY);
    worker.onmessage = (e: MessageEvent<ThreadReply>) => this.settle(e.data);
    worker.onerror = (e: ErrorEvent) => this.died(worker, `store thread failed: ${e.message}`);
    worker.addEventListener('close', () => this.died(worker, 'store thread exited'));
    worker.unref();
    worker.postMessage({ type: 'open', path: this.path, connection: this.connection, settings: this.settings } satisfies ThreadRequest);
    return worker;
  }

  private settle(reply: ThreadReply): void {
    const job = this.waiting.get(reply.id);
    if (!job) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (reply.type === 'failed') job.reject(new SqliteThreadError(reply.message, reply.code));
    else job.resolve(reply.value);
  }

  /** A thread that died unasked: a new one takes over what is safe to run again. */
  private died(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    for (const job of this.kill()) {
      if (job.retryable && job.tries < MAX_TRIES && !this.closed) this.send(job);
      else job.reject(new Error(why));
    }
  }
}
