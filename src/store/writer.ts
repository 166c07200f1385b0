/**
 * The one write path for spans. Callers put spans on a bounded in-memory
 * queue; a single drain loop commits them in batches (group commit), so a
 * burst of N spans costs a handful of transactions instead of N. Callers that
 * must know their span is durable await `write`; the proxy uses `offer` and
 * never waits.
 */
import { QueueFullError } from '../errors.ts';
import type { CommittedUsage } from './state-types.ts';
import type { SpanRecord, SpanStore } from './types.ts';

export interface SpanWriterOptions {
  /** Spans held in memory at most; beyond it `offer` refuses and `write` throws 503. */
  maxQueue: number;
  /** Spans per transaction at most. */
  batchSize: number;
  /**
   * How long spans may wait to share a transaction (ms). Every commit rewrites
   * a page of each index, so a commit per few spans costs more than the spans:
   * waiting a few milliseconds turns thousands of commits a second into tens.
   * A full batch is committed at once. 0 commits on the next turn of the loop.
   */
  flushIntervalMs?: number;
  /** Told about spans that could not be stored (they are dropped, never retried forever). */
  onError: (err: unknown, span: SpanRecord) => void;
  /** Told, after each commit, what customer spend it added (the reservation ledger follows it). */
  onCommitted?: (usage: CommittedUsage[]) => void;
}

/** The spans of one `write` call: settled once, when the last is committed or the first fails. */
interface Waiter {
  remaining: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Pending {
  span: SpanRecord;
  waiter?: Waiter;
}

export interface SpanWriterStats {
  queued: number;
  written: number;
  failed: number;
  refused: number;
  batches: number;
}

export class SpanWriter {
  private queue: Pending[] = [];
  private head = 0;
  private draining: Promise<void> | null = null;
  /** Ends the wait of a scheduled drain early (a full batch, or a flush). */
  private wake: (() => void) | null = null;
  /** Some queued span has a caller awaiting its commit. */
  private urgent = false;
  private readonly counters = { written: 0, failed: 0, refused: 0, batches: 0 };

  constructor(
    private readonly store: SpanStore,
    private readonly opts: SpanWriterOptions,
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  stats(): SpanWriterStats {
    return { queued: this.size, ...this.counters };
  }

  /** Queues without waiting. False when the queue is full (the span is not kept). */
  offer(span: SpanRecord): boolean {
    if (this.size >= this.opts.maxQueue) {
      this.counters.refused++;
      return false;
    }
    this.queue.push({ span });
    this.schedule();
    return true;
  }

  /** Queues and resolves once every span is committed. Refuses the whole set if it does not fit. */
  write(spans: SpanRecord[]): Promise<void> {
    if (spans.length === 0) return Promise.resolve();
    if (this.size + spans.length > this.opts.maxQueue) {
      this.counters.refused += spans.length;
      return Promise.reject(new QueueFullError());
    }
    // One promise per call, not per span: a 5,000-span batch allocated 5,000.
    const done = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: spans.length, settled: false, resolve, reject };
      for (const span of spans) this.queue.push({ span, waiter });
    });
    // A caller is waiting for its commit: don't make it wait out the interval.
    this.urgent = true;
    this.schedule();
    return done;
  }

  /** Resolves when everything queued so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.size > 0 || this.draining) {
      this.schedule();
      this.wake?.();
      await this.draining;
    }
  }

  private schedule(): void {
    if (this.draining) {
      if (this.urgent || this.size >= this.opts.batchSize) this.wake?.();
      return;
    }
    const wait = this.urgent || this.size >= this.opts.batchSize ? 0 : (this.opts.flushIntervalMs ?? 0);
    this.draining = new Promise<void>((resolve) => {
      const timer = wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve);
      this.wake = () => {
        this.wake = null;
        if (wait > 0) clearTimeout(timer as ReturnType<typeof setTimeout>);
        resolve();
      };
    }).then(() => {
      this.wake = null;
      this.urgent = false;
      return this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.size > 0) {
        const end = Math.min(this.queue.length, this.head + this.opts.batchSize);
        const batch = this.queue.slice(this.head, end);
        this.head = end;
        if (this.head > 4096 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        await this.commit(batch);
      }
    } finally {
      this.draining = null;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const usage = await this.store.insertBatch(batch.map((p) => p.span));
      if (usage.length > 0) this.opts.onCommitted?.(usage);
      this.counters.batches++;
      this.counters.written += batch.length;
      for (const p of batch) {
        const w = p.waiter;
        if (w && --w.remaining === 0 && !w.settled) {
          w.settled = true;
          w.resolve();
        }
      }
    } catch (err) {
      if (batch.length === 1) {
        const [p] = batch as [Pending];
        this.counters.failed++;
        this.opts.onError(err, p.span);
        if (p.waiter && !p.waiter.settled) {
          p.waiter.settled = true;
          p.waiter.reject(err);
        }
        return;
      }
      // One bad span must not cost its neighbours: retry them one by one.
      for (const p of batch) await this.commit([p]);
    }
  }
}
