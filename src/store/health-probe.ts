/**
 * The database's state for /health, answered at once. A ping goes through
 * the same readers (or pool) as the API's queries, so while a wide read runs
 * it can wait seconds: a liveness check must not. The last ping's answer is
 * kept; a stale one starts a new ping, which is awaited only briefly, and a
 * ping that has not answered within `timeoutMs` makes the state `down`.
 */
export type DatabaseState = 'up' | 'down';

export interface HealthProbeOptions {
  ping: () => Promise<boolean>;
  /** A ping unanswered for this long means the database is down. */
  timeoutMs: number;
  /** An answer younger than this is reused. */
  freshMs: number;
  /** How long /health waits for a ping it started before it answers with the last state. */
  waitMs: number;
  clock?: () => number;
}

export class HealthProbe {
  private state: DatabaseState = 'up';
  private checkedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<DatabaseState> | null = null;
  private readonly clock: () => number;

  constructor(private readonly opts: HealthProbeOptions) {
    this.clock = opts.clock ?? (() => performance.now());
  }

  async check(): Promise<DatabaseState> {
    if (this.clock() - this.checkedAt < this.opts.freshMs) return this.state;
    const probe = (this.inFlight ??= this.probe());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<DatabaseState>((resolve) => {
      timer = setTimeout(() => resolve(this.state), this.opts.waitMs);
    });
    try {
      return await Promise.race([probe, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async probe(): Promise<DatabaseState> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.opts.timeoutMs);
    });
    try {
      const up = await Promise.race([this.opts.ping().catch(() => false), late]);
      this.state = up ? 'up' : 'down';
      this.checkedAt = this.clock();
      return this.state;
    } finally {
      clearTimeout(timer);
      this.inFlight = null;
    }
  }
}
