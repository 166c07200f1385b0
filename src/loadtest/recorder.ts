/**
 * What one load run measured: latency, time to first token and gaps between
 * chunks (histograms in microseconds), answers by status, failures by kind.
 * A second set of histograms covers only the current second, for the live
 * progress line.
 */
import { Histogram } from './histogram.ts';

/** Failures without an HTTP answer. */
export type FailureKind = 'connect' | 'tls' | 'closed' | 'timeout' | 'protocol';

export class Recorder {
  readonly latency = new Histogram();
  readonly ttft = new Histogram();
  readonly gaps = new Histogram();
  readonly recent = new Histogram();
  readonly recentTtft = new Histogram();
  readonly statuses = new Map<number, number>();
  readonly failures = new Map<FailureKind, number>();
  /** Requests of the measured window handed to a connection. */
  sent = 0;
  /** Answers with any status. */
  answered = 0;
  /** Non-2xx answers plus failures. */
  errors = 0;

  answer(status: number, latencyUs: number, ttftUs: number): void {
    this.answered++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status < 200 || status > 299) this.errors++;
    this.latency.record(latencyUs);
    this.recent.record(latencyUs);
    if (ttftUs >= 0) {
      this.ttft.record(ttftUs);
      this.recentTtft.record(ttftUs);
    }
  }

  gap(us: number): void {
    this.gaps.record(us);
  }

  fail(kind: FailureKind): void {
    this.errors++;
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }

  /** Starts a new second for the progress line. */
  nextSecond(): void {
    this.recent.reset();
    this.recentTtft.reset();
  }
}
