/**
 * Event-loop lag: a timer due every 100 ms records how late it fired, which is
 * how long the loop was busy with something else. Unref'd: it never keeps the
 * process alive.
 */
import type { HistogramChild } from '../../lib/prometheus.ts';

const INTERVAL_MS = 100;

export class EventLoopLag {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly lag: HistogramChild) {}

  start(): void {
    if (this.timer) return;
    let due = performance.now() + INTERVAL_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lag.observe(Math.max(0, now - due) / 1000);
      due = now + INTERVAL_MS;
    }, INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
