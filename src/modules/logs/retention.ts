/**
 * Retention: deletes raw spans after `retention.spans_days` and empties
 * bodies after `retention.bodies_days`, in small batches with a pause between
 * them so a purge of millions of spans never holds the write path for long.
 * Usage figures (customers' usage, rollups) describe traffic and stay, so
 * totals do not change when old spans go.
 */
import type { Logger } from '../../lib/log.ts';
import type { SpanStore } from '../../store/types.ts';

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  spans_days: number | null;
  bodies_days: number | null;
  interval_s: number;
  batch: number;
}

export interface PurgeResult {
  spans: number;
  bodies: number;
}

export class RetentionService {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<PurgeResult> | null = null;
  private stopped = false;

  constructor(
    private readonly spans: SpanStore,
    private readonly settings: RetentionSettings,
    private readonly log: Logger,
    private readonly now: () => number,
    /** Pause between two batches of one run. */
    private readonly pauseMs = 20,
  ) {}

  get enabled(): boolean {
    return this.settings.spans_days !== null || this.settings.bodies_days !== null;
  }

  /** Runs now and then every interval, until stop(). */
  start(): void {
    if (!this.enabled || this.stopped) return;
    const tick = () => {
      this.runOnce()
        .catch((err: unknown) => this.log.warn('retention run failed; it runs again at the next interval', { error: String(err) }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.settings.interval_s * 1000);
          this.timer?.unref();
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass: every span and body past its age, batch by batch. */
  runOnce(): Promise<PurgeResult> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<PurgeResult> {
    const { spans_days, bodies_days, batch } = this.settings;
    const out = { spans: 0, bodies: 0 };
    const now = this.now();
    if (spans_days !== null) out.spans = await this.drain((n) => this.spans.purge(now - spans_days * DAY_MS, n), batch);
    if (bodies_days !== null) out.bodies = await this.drain((n) => this.spans.purgeBodies(now - bodies_days * DAY_MS, n), batch);
    if (out.spans > 0 || out.bodies > 0) this.log.info('retention', { spans_deleted: out.spans, bodies_emptied: out.bodies });
    return out;
  }

  private async drain(step: (limit: number) => Promise<number>, batch: number): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const n = await step(batch);
      total += n;
      if (n < batch) break;
      await Bun.sleep(this.pauseMs);
    }
    return total;
  }
}
