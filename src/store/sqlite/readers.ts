/**
 * Reads of the SQLite store run on a pool of reader threads, each with its
 * own connection, so no query holds the event loop.
 *
 * Heavy reads (lists, summaries, aggregates over a window) are bounded: at
 * most `maxHeavy` run at once and the rest queue, so that one thread is always
 * free for light reads (a span by id, a key, a customer) and a console full of
 * wide views cannot starve the proxy's lookups. Every read has a time budget,
 * counted from when it was asked: past it the caller gets a 503 saying what to
 * narrow, and a thread still running that query is ended and replaced (SQLite
 * cannot be interrupted from outside, so the thread ends when the query
 * returns). A heavy read cut that way keeps its place in the `maxHeavy` bound
 * until its thread has really ended: otherwise a client repeating a query the
 * budget cuts would pile up scans that each read the whole file, starving
 * the proxy of CPU (at 10.5M spans: 127% CPU with no request in flight).
 */
import { QueryTimeoutError } from '../../errors.ts';
import type { ConnectionOptions } from './connection.ts';
import type { PartName, StoreSettings } from './local.ts';
import { type Job, StoreThread } from './thread-client.ts';

export interface ReaderPoolOptions {
  size: number;
  /** Heavy reads running at once, at most; below `size` keeps a thread free for light reads. */
  maxHeavy: number;
  timeoutMs: number;
  connection: ConnectionOptions;
  settings: StoreSettings;
}

interface Read {
  part: PartName;
  method: string;
  args: unknown[];
  heavy: boolean;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
  /** The thread running it, once sent. */
  on: Slot | null;
  done: boolean;
}

interface Slot {
  thread: StoreThread;
  heavy: number;
  reads: Set<Read>;
}

export class ReaderPool {
  private readonly slots: Slot[];
  private readonly queue: Read[] = [];
  private heavyRunning = 0;
  /** Heavy reads past their budget whose threads have not ended yet. */
  private cutScans = 0;

  constructor(
    path: string,
    private readonly opts: ReaderPoolOptions,
  ) {
    this.slots = Array.from({ length: Math.max(1, opts.size) }, () => ({
      thread: new StoreThread(path, { ...opts.connection, readonly: true }, opts.settings),
      heavy: 0,
      reads: new Set<Read>(),
    }));
  }

  /** Heavy reads running, and cut ones still running in a thread being ended. */
  stats(): { heavyRunning: number; cutScans: number; queued: number } {
    return { heavyRunning: this.heavyRunning, cutScans: this.cutScans, queued: this.queue.length };
  }

  /** Threads started over the pool's life (restarts included). */
  get starts(): number {
    return this.slots.reduce((n, s) => n + s.thread.starts, 0);
  }

  read(part: PartName, method: string, args: unknown[], heavy: boolean): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const r: Read = { part, method, args, heavy, resolve, reject, timer: null, on: null, done: false };
      r.timer = setTimeout(() => this.expire(r), this.opts.timeoutMs);
      if (heavy && this.heavyBusy() >= this.maxHeavy()) this.queue.push(r);
      else this.start(r);
    });
  }

  ping(): Promise<boolean> {
    return (this.pick().thread as StoreThread).ping();
  }

  async close(): Promise<void> {
    for (const r of this.queue.splice(0)) this.finish(r, new Error('the store is closed'));
    await Promise.all(this.slots.map((s) => s.thread.close()));
  }

  private maxHeavy(): number {
    return Math.max(1, Math.min(this.opts.maxHeavy, this.slots.length));
  }

  /** Where no heavy read runs if there is such a thread, else the least loaded. */
  private pick(): Slot {
    const free = this.slots.filter((s) => s.heavy === 0);
    const from = free.length > 0 ? free : this.slots;
    return from.reduce((a, b) => (b.thread.load < a.thread.load ? b : a));
  }

  private start(r: Read): void {
    const slot = this.pick();
    r.on = slot;
    slot.reads.add(r);
    if (r.heavy) {
      slot.heavy++;
      this.heavyRunning++;
    }
    const job: Job = {
      build: (id) => ({ type: 'call', id, part: r.part, method: r.method, args: r.args }),
      retryable: true,
      tries: 0,
      resolve: (v) => this.finish(r, null, v),
      reject: (e) => this.finish(r, e),
    };
    slot.thread.send(job);
  }

  private finish(r: Read, err: Error | null, value?: unknown): void {
    if (r.done) return;
    r.done = true;
    if (r.timer) clearTimeout(r.timer);
    const slot = r.on;
    if (slot) {
      slot.reads.delete(r);
      if (r.heavy) {
        slot.heavy--;
        this.heavyRunning--;
      }
      r.on = null;
    }
    if (err) r.reject(err);
    else r.resolve(value);
    if (r.heavy) this.startQueued();
  }

  private heavyBusy(): number {
    return this.heavyRunning + this.cutScans;
  }

  private startQueued(): void {
    while (this.queue.length > 0 && this.heavyBusy() < this.maxHeavy()) this.start(this.queue.shift() as Read);
  }

  private expire(r: Read): void {
    if (r.done) return;
    const queued = this.queue.indexOf(r);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = r.on;
    // Counted before finish() frees its place, so no queued heavy read starts in it.
    const cut = slot !== null && r.heavy;
    if (cut) this.cutScans++;
    this.finish(r, new QueryTimeoutError(this.opts.timeoutMs));
    if (!slot) return;
    // The thread is stuck in this query: end it, and send what else waited on it elsewhere.
    const others = [...slot.reads];
    for (const o of others) {
      slot.reads.delete(o);
      if (o.heavy) {
        slot.heavy--;
        this.heavyRunning--;
      }
      o.on = null;
    }
    // Freed when the thread has ended, or after a few budgets at most: a thread that never reports
    // its end must not hold the heavy slot for good.
    let released = !cut;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(fallback);
      this.cutScans--;
      this.startQueued();
    };
    const fallback = cut ? setTimeout(release, this.opts.timeoutMs * 6) : undefined;
    slot.thread.kill(release);
    for (const o of others) this.start(o);
    this.startQueued();
  }
}
