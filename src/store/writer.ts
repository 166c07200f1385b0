/**
 * The one write path for spans. Callers put spans on a bounded in-memory
 * queue; a single drain loop commits them in batches (group commit), so a
 * burst of N spans costs a handful of transactions instead of N. Callers that
 * must know their span is durable await `write`; the proxy uses `offer` and
 * never waits.
 *
 * When the database cannot take writes (disk full, read-only folder), nothing
 * already queued is dropped: callers awaiting a commit get a 503 at once (their
 * spans were never acknowledged, so they are withdrawn: a retry by the client
 * must not store them twice), the proxy's spans stay queued up to `maxQueue`,
 * and the writer tries again with a growing pause until a commit succeeds.
 *
 * Every span is bounded in depth as it is queued (span-depth.ts), so that no
 * value a client sent can make its encoding throw.
 */
import { QueueFullError, StorageUnavailableError } from '../errors.ts';
import { boundSpan, spanChars } from './span-depth.ts';
import type { CommittedUsage } from './state-types.ts';
import type { SpanRecord, SpanStore } from './types.ts';

export interface SpanWriterOptions {
  /** Spans held in memory at most; beyond it `offer` refuses and `write` throws 503. */
  maxQueue: number;
  /**
   * Characters of span text (input, output, full request...) held in memory at
   * most, likewise: a burst of megabyte requests reached gigabytes within the
   * span count bound. Default: no bound.
   */
  maxQueueChars?: number;
  /** Spans per transaction at most. */
  batchSize: number;
  /** Characters of span text per transaction at most (a batch always takes its first span). Default: no bound. */
  batchChars?: number;
  /**
   * How long spans may wait to share a transaction (ms). Every commit rewrites
   * a page of each index, so a commit per few spans costs more than the spans:
   * waiting a few milliseconds turns thousands of commits a second into tens.
   * A full batch is committed at once. 0 commits on the next turn of the loop.
   */
  flushIntervalMs?: number;
  /** Told about spans that could not be stored (they are dropped, never retried forever). */
  onError: (err: unknown, span: SpanRecord) => void;
  /**
   * Told, after each commit, what customer spend it added (the reservation
   * ledger drops the calls' holds). A `write` resolves once the returned
   * promise has: until then its spend would count twice, held and committed.
   */
  onCommitted?: (usage: CommittedUsage[]) => Promise<void> | void;
  /** Told when the database stops (an error) and starts again (null) taking writes. */
  onStorage?: (err: StorageUnavailableError | null) => void;
  /** First pause before writing again after the database refused a batch; doubles up to 30 s. */
  retryMs?: number;
  /** Told how long each committed batch took (ms), for the metrics. */
  onBatch?: (spans: number, ms: number) => void;
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
  /** spanChars(span), counted against the span-text bounds. */
  chars: number;
  waiter?: Waiter;
}

export interface SpanWriterStats {
  queued: number;
  written: number;
  failed: number;
  refused: number;
  batches: number;
  /** Batches the database refused for want of space or permission (each retried). */
  storage_errors: number;
  /** 'unavailable' while the database cannot take writes. */
  storage: 'ok' | 'unavailable';
}

/** What ingest needs of the writer. */
export type IngestWriter = Pick<SpanWriter, 'offer' | 'write' | 'assertWritable'>;

export class SpanWriter {
  private queue: Pending[] = [];
  private head = 0;
  /** Sum of `chars` of the spans queued and not yet taken into a batch. */
  private queuedChars = 0;
  private draining: Promise<void> | null = null;
  /** Ends the wait of a scheduled drain early (a full batch, or a flush). */
  private wake: (() => void) | null = null;
  /** Some queued span has a caller awaiting its commit. */
  private urgent = false;
  private readonly counters = { written: 0, failed: 0, refused: 0, batches: 0, storage_errors: 0 };
  /** Set while the database refuses writes; cleared by the next commit that succeeds. */
  private outage: { error: StorageUnavailableError; retryMs: number; timer: ReturnType<typeof setTimeout> | null } | null = null;

  constructor(
    private readonly store: SpanStore,
    private readonly opts: SpanWriterOptions,
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  stats(): SpanWriterStats {
    return { queued: this.size, ...this.counters, storage: this.outage ? 'unavailable' : 'ok' };
  }

  /** Throws the 503 a caller that needs its span stored gets while the database cannot take writes. */
  assertWritable(): void {
    if (this.outage) throw this.outage.error;
  }

  private fits(count: number, chars: number): boolean {
    return this.size + count <= this.opts.maxQueue && this.queuedChars + chars <= (this.opts.maxQueueChars ?? Number.POSITIVE_INFINITY);
  }

  private push(p: Pending): void {
    this.queue.push(p);
    this.queuedChars += p.chars;
  }

  /** Queues without waiting. False when the queue is full (the span is not kept). */
  offer(span: SpanRecord): boolean {
    const bounded = boundSpan(span);
    const chars = spanChars(bounded);
    if (!this.fits(1, chars)) {
      this.counters.refused++;
      return false;
    }
    this.push({ span: bounded, chars });
    this.schedule();
    return true;
  }

  /** Queues and resolves once every span is committed. Refuses the whole set if it does not fit. */
  write(spans: SpanRecord[]): Promise<void> {
    if (spans.length === 0) return Promise.resolve();
    if (this.outage) {
      this.counters.refused += spans.length;
      return Promise.reject(this.outage.error);
    }
    const bounded = spans.map(boundSpan);
    const chars = bounded.map(spanChars);
    if (!this.fits(spans.length, chars.reduce((a, b) => a + b, 0))) {
      this.counters.refused += spans.length;
      return Promise.reject(new QueueFullError());
    }
    // One promise per call, not per span: a 5,000-span batch allocated 5,000.
    const done = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: spans.length, settled: false, resolve, reject };
      bounded.forEach((span, i) => this.push({ span, chars: chars[i] ?? 0, waiter }));
    });
    // A caller is waiting for its commit: don't make it wait out the interval.
    this.urgent = true;
    this.schedule();
    return done;
  }

  /** Resolves when everything queued so far is committed (or has failed, or the database refuses writes). */
  async flush(): Promise<void> {
    while ((this.size > 0 && !this.outage) || this.draining) {
      this.schedule();
      this.wake?.();
      await this.draining;
    }
  }

  private schedule(): void {
    // During an outage the retry timer, not new spans, decides when to write again.
    if (this.outage) return;
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
      while (this.size > 0 && !this.outage) {
        const batch = this.takeBatch();
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

  /** The next batch off the queue: `batchSize` spans, or fewer when they pass `batchChars`. */
  private takeBatch(): Pending[] {
    let end = Math.min(this.queue.length, this.head + this.opts.batchSize);
    const limit = this.opts.batchChars ?? Number.POSITIVE_INFINITY;
    let chars = 0;
    for (let i = this.head; i < end; i++) {
      const next = chars + (this.queue[i] as Pending).chars;
      if (next > limit && i > this.head) {
        end = i;
        break;
      }
      chars = next;
    }
    const batch = this.queue.slice(this.head, end);
    this.head = end;
    this.queuedChars -= chars;
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const t0 = performance.now();
      const usage = await this.store.insertBatch(batch.map((p) => p.span));
      this.opts.onBatch?.(batch.length, performance.now() - t0);
      if (this.outage) this.recovered();
      const holdsDropped = usage.length > 0 ? this.opts.onCommitted?.(usage) : undefined;
      this.counters.batches++;
      this.counters.written += batch.length;
      const settle = () => {
        for (const p of batch) {
          const w = p.waiter;
          if (w && --w.remaining === 0 && !w.settled) {
            w.settled = true;
            w.resolve();
          }
        }
      };
      // The loop goes on to the next batch meanwhile.
      if (holdsDropped) void holdsDropped.then(settle, settle);
      else settle();
    } catch (err) {
      if (err instanceof StorageUnavailableError) return this.refusedByStorage(batch, err);
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

  /** The database refused a batch as a whole: withdraw what callers await, keep the rest, retry later. */
  private refusedByStorage(batch: Pending[], error: StorageUnavailableError): void {
    this.counters.storage_errors++;
    const keep: Pending[] = [];
    for (const p of batch) {
      const w = p.waiter;
      if (!w) keep.push(p);
      else if (!w.settled) {
        w.settled = true;
        w.reject(error);
      }
    }
    this.queue.splice(this.head, 0, ...keep);
    for (const p of keep) this.queuedChars += p.chars;
    const first = !this.outage;
    const retryMs = first ? (this.opts.retryMs ?? 1000) : Math.min(30_000, (this.outage?.retryMs ?? 1000) * 2);
    if (this.outage?.timer) clearTimeout(this.outage.timer);
    const timer = setTimeout(() => {
      if (!this.outage) return;
      this.outage.timer = null;
      // Try one batch: a success clears the outage, a refusal schedules the next try.
      void this.tryAgain();
    }, retryMs);
    timer.unref();
    this.outage = { error, retryMs, timer };
    if (first) this.opts.onStorage?.(error);
  }

  private async tryAgain(): Promise<void> {
    if (this.draining || this.size === 0) {
      if (this.size === 0 && this.outage) this.recovered();
      return;
    }
    const batch = this.takeBatch();
    this.draining = this.commit(batch).finally(() => {
      this.draining = null;
      if (!this.outage) this.schedule();
    });
    await this.draining;
  }

  private recovered(): void {
    if (this.outage?.timer) clearTimeout(this.outage.timer);
    this.outage = null;
    this.opts.onStorage?.(null);
  }
}
