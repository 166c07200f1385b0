/**
 * The load generator's scheduler. Two ways to load a target:
 *
 * - open loop (`rate`): request i is due at start + i / rate whether or not
 *   earlier answers came back. It goes out on an idle connection, else on a
 *   new one (up to `connections`), else waits in a queue. Its latency counts
 *   from when it was due, so a stalled target shows up in every request that
 *   should have gone out during the stall (no coordinated omission). Timers
 *   fire at 1 ms granularity, so requests due within the next millisecond go
 *   at once and count from their actual send.
 * - closed loop (no rate): `connections` connections each send the next
 *   request as soon as the previous answer ends (saturation). Latency counts
 *   from the send, corrected afterwards as wrk and HdrHistogram do: an answer
 *   slower than a connection's usual interval between requests also counts
 *   for the requests it held up (Histogram.correct).
 *
 * Requests due in the first `warmupS` seconds are sent but not recorded; every
 * request due in the measured window is followed to its end or its timeout.
 */
import { Conn, type ConnOwner } from './connection.ts';
import { Histogram } from './histogram.ts';
import { type FailureKind, Recorder } from './recorder.ts';
import type { RequestTarget } from './target.ts';

export interface LoadSpec {
  target: RequestTarget;
  /** Requests per second (open loop); omitted: closed loop. */
  rate?: number;
  /** Closed loop: the connections. Open loop: the most it may open. */
  connections: number;
  durationS: number;
  warmupS?: number;
  timeoutMs: number;
  /** Called once a second while the load runs. */
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  /** Seconds since the measured window began (negative while warming up). */
  elapsedS: number;
  durationS: number;
  sent: number;
  answered: number;
  errors: number;
  inFlight: number;
  queued: number;
  connections: number;
  rec: Recorder;
}

export interface LoadResult {
  rec: Recorder;
  /** Requests of the window sent per second of the window. */
  achievedRate: number;
  /** The generator's own CPU time over the run, in percent of one core. */
  cpuPercent: number;
  /** Most connections open at once. */
  peakConnections: number;
  /** Most requests waiting for a connection at once (open loop). */
  peakQueued: number;
  /** How late the pacing timer fired (ms, p99): the generator's own lag. */
  lagP99Ms: number;
}

const SWEEP_MS = 100;
const RECONNECT_MS = 100;

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new LoadRun(spec).run();
}

class LoadRun implements ConnOwner {
  private readonly rec = new Recorder();
  private readonly conns = new Set<Conn>();
  private readonly connecting = new Set<Conn>();
  private readonly busy = new Set<Conn>();
  private readonly idle: Conn[] = [];
  /** Due times waiting for a connection (open loop), oldest first. */
  private queue: number[] = [];
  private head = 0;
  private readonly lag = new Histogram();
  private readonly interval: number;
  private t0 = 0;
  private measureFrom = 0;
  private endAt = 0;
  private next = 0;
  private scheduled = 0;
  private ending = false;
  private peakConnections = 0;
  private peakQueued = 0;
  private finished: () => void = () => undefined;

  constructor(private readonly spec: LoadSpec) {
    this.interval = spec.rate ? 1000 / spec.rate : 0;
  }

  async run(): Promise<LoadResult> {
    const { spec } = this;
    const cpu0 = process.cpuUsage();
    const done = new Promise<void>((resolve) => {
      this.finished = resolve;
    });
    this.t0 = performance.now();
    this.measureFrom = this.t0 + (spec.warmupS ?? 0) * 1000;
    this.endAt = this.measureFrom + spec.durationS * 1000;
    this.next = this.t0;
    const sweep = setInterval(() => this.sweep(), SWEEP_MS);
    const progress = setInterval(() => this.progress(), 1000);
    const stop = setTimeout(() => this.end(), this.endAt - this.t0);
    if (spec.rate) this.pace();
    else for (let i = 0; i < spec.connections; i++) this.open();
    await done;
    clearTimeout(stop);
    clearInterval(sweep);
    clearInterval(progress);
    for (const c of this.conns) c.close();
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const achievedRate = this.rec.sent / spec.durationS;
    if (!spec.rate && achievedRate > 0) {
      const intervalUs = (spec.connections / achievedRate) * 1e6;
      this.rec.latency.correct(intervalUs);
      this.rec.ttft.correct(intervalUs);
    }
    return {
      rec: this.rec,
      achievedRate,
      cpuPercent: (cpuMs / (performance.now() - this.t0)) * 100,
      peakConnections: this.peakConnections,
      peakQueued: this.peakQueued,
      lagP99Ms: this.lag.percentile(99) / 1000,
    };
  }

  /** Open loop: sends what is due, then sleeps until the next request is. */
  private readonly pace = (): void => {
    const now = performance.now();
    this.lag.record(Math.max(0, now - this.next) * 1000);
    const horizon = now + 1;
    while (this.next < this.endAt && this.next <= horizon) {
      this.dispatch(this.next, now);
      this.scheduled++;
      this.next = this.t0 + this.scheduled * this.interval;
    }
    if (this.next < this.endAt) setTimeout(this.pace, this.next - now);
  };

  private dispatch(due: number, now: number): void {
    const c = this.idle.pop();
    if (c) {
      this.sendOn(c, due, now);
      return;
    }
    this.queue.push(due);
    const queued = this.queue.length - this.head;
    if (queued > this.peakQueued) this.peakQueued = queued;
    this.grow();
  }

  /** Opens connections for waiting requests, within the limit. */
  private grow(): void {
    const queued = this.queue.length - this.head;
    while (this.connecting.size < queued && this.conns.size < this.spec.connections) this.open();
  }

  private open(): void {
    const c = new Conn(this.spec.target, this, this.rec);
    this.conns.add(c);
    this.connecting.add(c);
    if (this.conns.size > this.peakConnections) this.peakConnections = this.conns.size;
  }

  private sendOn(c: Conn, due: number, now: number): void {
    const measured = due >= this.measureFrom;
    if (measured && now <= this.endAt) this.rec.sent++;
    this.busy.add(c);
    c.send(due, measured, now);
  }

  private takeQueued(): number | undefined {
    if (this.head >= this.queue.length) return undefined;
    const due = this.queue[this.head++];
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return due;
  }

  free(c: Conn): void {
    this.connecting.delete(c);
    this.busy.delete(c);
    const now = performance.now();
    if (this.spec.rate) {
      const due = this.takeQueued();
      if (due !== undefined) this.sendOn(c, due, now);
      else if (this.ending) c.close();
      else this.idle.push(c);
    } else if (!this.ending) this.sendOn(c, now, now);
    this.checkDone();
  }

  lost(c: Conn, kind: FailureKind | null): void {
    this.conns.delete(c);
    this.connecting.delete(c);
    this.busy.delete(c);
    const at = this.idle.indexOf(c);
    if (at >= 0) this.idle.splice(at, 1);
    const now = performance.now();
    if (kind === 'connect' || kind === 'tls') {
      // The request the connection was opened for fails with it.
      const due = this.spec.rate ? this.takeQueued() : now;
      if (due !== undefined && due >= this.measureFrom && !(this.ending && !this.spec.rate)) this.rec.fail(kind);
    }
    if (this.spec.rate) this.grow();
    else if (!this.ending) {
      if (kind === 'connect' || kind === 'tls') setTimeout(() => this.ending || this.open(), RECONNECT_MS);
      else this.open();
    }
    this.checkDone();
  }

  private sweep(): void {
    const limit = performance.now() - this.spec.timeoutMs;
    for (const c of this.busy) if (c.origin < limit) c.abort('timeout');
    while (this.head < this.queue.length && (this.queue[this.head] as number) < limit) {
      const due = this.takeQueued() as number;
      if (due >= this.measureFrom) this.rec.fail('timeout');
    }
    this.checkDone();
  }

  private end(): void {
    this.ending = true;
    for (const c of this.idle) c.close();
    this.idle.length = 0;
    for (const c of this.connecting) if (this.head >= this.queue.length) c.close();
    this.checkDone();
  }

  private checkDone(): void {
    if (this.ending && this.busy.size === 0 && this.head >= this.queue.length) this.finished();
  }

  private progress(): void {
    const { rec } = this;
    this.spec.onProgress?.({
      elapsedS: (performance.now() - this.measureFrom) / 1000,
      durationS: this.spec.durationS,
      sent: rec.sent,
      answered: rec.answered,
      errors: rec.errors,
      inFlight: this.busy.size,
      queued: this.queue.length - this.head,
      connections: this.conns.size,
      rec,
    });
    rec.nextSecond();
  }
}
