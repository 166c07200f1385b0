/**
 * One proxy call's abort: the client leaving, the whole-request timeout and
 * each try's timeout, with one AbortController and one timer for the common
 * call (one try that answers). A controller and a timer per try, each linked
 * to the request's by a listener, cost about 5% of the main thread per plain
 * request (docs/benchmarks.md, issue 16).
 *
 * The timer is set for the nearest deadline; when it fires it compares the
 * clock with each deadline and sets itself again for what is left, so a try
 * that ends never touches it. A try's timeout aborts the controller its call
 * runs under and puts a fresh one in its place: the next try, the wait
 * between tries and the client's abort then use the fresh one, so `signal`
 * is aborted only for the whole call (client gone, request timeout).
 */
export class CallScope {
  private controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() the timer fires at. */
  private due = Infinity;
  private readonly end: number;
  private tryEnd = Infinity;
  private tryReason: ((arg: never, ms: number) => Error) | null = null;
  private tryArg: unknown = null;
  private tryMs = 0;

  /**
   * `firstTryMs`: the timer's first setting is the first try's deadline when it comes before the
   * request's, so that try does not set it again (it fires a little early and sets itself for the rest).
   * The reasons are built only when a timer fires: an Error captures a stack.
   */
  constructor(
    timeoutMs: number,
    private readonly timeoutReason: () => Error,
    firstTryMs: number = Infinity,
  ) {
    const now = performance.now();
    this.end = now + timeoutMs;
    this.arm(Math.min(this.end, now + firstTryMs), now);
  }

  /** Aborted when the whole call is over: the client left or the request timed out. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends the whole call (the client left); the current try's call sees `reason`. */
  abort(reason: Error): void {
    this.controller.abort(reason);
  }

  /**
   * Starts a try that `ms` bounds; returns the signal its call runs under. A try past it is aborted
   * with `reason(arg, ms)` (a plain function and its argument: no closure made per try).
   */
  beginTry<A>(ms: number, reason: (arg: A, ms: number) => Error, arg: A): AbortSignal {
    const now = performance.now();
    this.tryEnd = now + ms;
    this.tryReason = reason as (arg: never, ms: number) => Error;
    this.tryArg = arg;
    this.tryMs = ms;
    if (this.tryEnd < this.due) this.arm(this.tryEnd, now);
    return this.controller.signal;
  }

  /** The try is over (answered or failed); its deadline no longer applies. */
  endTry(): void {
    this.tryEnd = Infinity;
    this.tryReason = null;
    this.tryArg = null;
  }

  /** The call is over: no timer stays behind. */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.due = Infinity;
  }

  private arm(at: number, now: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.due = at;
    // The scope goes to the timer as its argument: no bound function or closure per call.
    this.timer = at === Infinity ? null : setTimeout(fireScope, Math.max(0, at - now), this);
  }

  /** The timer fired (for `fireScope`). */
  fire(): void {
    this.timer = null;
    this.due = Infinity;
    if (this.controller.signal.aborted) return;
    const now = performance.now();
    if (now >= this.end) {
      this.controller.abort(this.timeoutReason());
      return;
    }
    if (now >= this.tryEnd && this.tryReason) {
      const spent = this.controller;
      const reason = this.tryReason(this.tryArg as never, this.tryMs);
      this.controller = new AbortController();
      this.endTry();
      spent.abort(reason);
    }
    this.arm(Math.min(this.end, this.tryEnd), now);
  }
}

function fireScope(scope: CallScope): void {
  scope.fire();
}
