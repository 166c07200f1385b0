/**
 * Deadlines of one fixed length (the request body's `body_timeout_ms`) kept
 * without a timer each: they end in the order they were set, so they wait in
 * a list, oldest first, and one timer is set for the oldest. A deadline met
 * (the body arrived) only leaves the list. When the timer fires it ends every
 * deadline that has passed and is set again for the oldest left. A timer per
 * request body (a `Timeout` and its callback, set and cleared) was the last
 * per-request timer of a plain chat call; under load thousands of them
 * waited for the collector (docs/benchmarks.md, issue 16).
 */

/** A deadline set; `clear` when what it bounds is done first. */
export interface Deadline {
  clear(): void;
}

class Waiting implements Deadline {
  prev: Waiting | null = null;
  next: Waiting | null = null;
  /** Still in the list. */
  live = true;

  constructor(
    private readonly owner: DeadlineList,
    readonly at: number,
    readonly onLate: (err: Error) => void,
  ) {}

  clear(): void {
    if (this.live) this.owner.unlink(this);
  }
}

export class DeadlineList {
  private head: Waiting | null = null;
  private tail: Waiting | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `lateError`: what a deadline that passed is told (built then, not when it is set). */
  constructor(
    readonly ms: number,
    private readonly lateError: (ms: number) => Error,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** `onLate` (a promise's `reject`, say: no closure needed) runs with `lateError` once `ms` have passed, unless the deadline is cleared before. */
  add(onLate: (err: Error) => void): Deadline {
    const w = new Waiting(this, this.clock() + this.ms, onLate);
    if (this.tail) {
      this.tail.next = w;
      w.prev = this.tail;
    } else {
      this.head = w;
    }
    this.tail = w;
    // A timer already set fires at or before this deadline (set for an older one): it sets itself again then.
    if (this.timer === null) this.arm(w.at);
    return w;
  }

  /** Deadlines waiting (for tests). */
  get size(): number {
    let n = 0;
    for (let w = this.head; w; w = w.next) n++;
    return n;
  }

  unlink(w: Waiting): void {
    w.live = false;
    if (w.prev) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = null;
    w.next = null;
  }

  private arm(at: number): void {
    this.timer = setTimeout(this.fire, Math.max(0, at - this.clock()));
    // A deadline does not keep the process alive: whatever it bounds (a socket) does, or nothing is left.
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = null;
    const now = this.clock();
    while (this.head && this.head.at <= now) {
      const w = this.head;
      this.unlink(w);
      w.onLate(this.lateError(this.ms));
    }
    if (this.head) this.arm(this.head.at);
  };
}
