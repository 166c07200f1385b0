/**
 * Executes a plan: each model in order, each with its retries, each try
 * under the per-attempt timeout, all under the call's scope (client
 * disconnect and the whole-request timeout). Records every try. What a "call"
 * is stays generic, so chat, streaming (up to the first chunk) and
 * embeddings share this loop.
 */
import {
  AllModelsFailedError,
  type FailedAttempt,
  GatewayError,
  InternalError,
  ProviderUnavailableError,
  UpstreamError,
} from '../errors.ts';
import type { UpstreamLimits } from '../providers/shared/body.ts';
import type { CallContext, ProviderAdapter } from '../providers/types.ts';
import type { CallScope } from './call-scope.ts';
import type { PlannedAttempt } from './plan.ts';
import { type RetryPolicy, type Sleep, withRetries } from './retry.ts';

export interface AttemptRecord {
  model: string;
  provider: string;
  /** HTTP status of the try: 200, the upstream's error status, 504 for a timeout. */
  status: number;
  duration_ms: number;
  /** 0 for the first try of a model, then 1, 2, ... */
  retry: number;
  error?: string;
}

export interface EngineDeps {
  adapter: (provider: string) => ProviderAdapter | undefined;
  fetch: typeof fetch;
  sleep: Sleep;
  /** Monotonic milliseconds (performance.now in production). */
  clock: () => number;
  attemptTimeoutMs: number;
  /** Body size and stream idle limits for every call. */
  limits: UpstreamLimits;
}

export interface EngineRun {
  plan: readonly PlannedAttempt[];
  retry: RetryPolicy;
  /** Client disconnect and the whole-request timeout (its signal's reason is what the run rejects with), and each try's timeout. */
  scope: CallScope;
}

/** One try: gets the adapter and a context whose signal covers this try. */
export type AttemptCall<T> = (adapter: ProviderAdapter, ctx: CallContext, attempt: PlannedAttempt) => Promise<T>;

export interface EngineResult<T> {
  value: T;
  /** The attempt that answered. */
  attempt: PlannedAttempt;
  attempts: AttemptRecord[];
  /** One line per model that failed before the answer. */
  warnings: string[];
  /** Time spent inside provider calls, and waiting between retries (ms). */
  upstreamMs: number;
  retryWaitMs: number;
}

/** Thrown when every model failed; carries what was tried. */
export class EngineFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly attempts: AttemptRecord[],
    readonly warnings: string[],
    readonly upstreamMs: number,
    readonly retryWaitMs: number,
    /** The last planned attempt tried (for the span's model/provider). */
    readonly last: PlannedAttempt | null,
  ) {
    super(error.message);
  }
}

function toGateway(err: unknown): GatewayError {
  return err instanceof GatewayError ? err : new InternalError();
}

/**
 * What one run has tried and the time it spent: one object whose methods the retries and the
 * failure use, rather than closures over the run's locals made on every call.
 */
class RunRecord {
  readonly attempts: AttemptRecord[] = [];
  readonly warnings: string[] = [];
  upstreamMs = 0;
  retryWaitMs = 0;
  last: PlannedAttempt | null = null;

  constructor(private readonly deps: EngineDeps) {}

  /** The wait between tries, counted apart from the upstream's time. */
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    const t0 = this.deps.clock();
    try {
      await this.deps.sleep(ms, signal);
    } finally {
      this.retryWaitMs += this.deps.clock() - t0;
    }
  }

  fail(err: GatewayError): never {
    throw new EngineFailure(err, this.attempts, this.warnings, this.upstreamMs, this.retryWaitMs, this.last);
  }
}

/** A try past `routing.attempt_timeout_ms` (built only when the scope's timer finds it late). */
function tryTimedOut(planned: PlannedAttempt, ms: number): UpstreamError {
  return new UpstreamError({
    provider: planned.provider,
    model: planned.model,
    status: 504,
    type: 'timeout_error',
    message: `${planned.provider} did not answer within ${ms} ms`,
  });
}

export class RoutingEngine {
  constructor(private readonly deps: EngineDeps) {}

  async run<T>(run: EngineRun, call: AttemptCall<T>): Promise<EngineResult<T>> {
    const { deps } = this;
    const { scope } = run;
    const rec = new RunRecord(deps);
    const { attempts, warnings } = rec;
    const failed: FailedAttempt[] = [];
    let lastError: GatewayError | null = null;

    for (let i = 0; i < run.plan.length; i++) {
      const planned = run.plan[i] as PlannedAttempt;
      rec.last = planned;
      const hasFallbacks = i < run.plan.length - 1;
      let error: GatewayError;
      try {
        if (planned.error) throw planned.error;
        const adapter = deps.adapter(planned.provider);
        if (!adapter) {
          throw new ProviderUnavailableError(
            `Provider '${planned.provider}' (model ${planned.model}) is not configured on this gateway`,
          );
        }
        let tryIndex = 0;
        const value = await withRetries(
          async () => {
            const retryNo = tryIndex++;
            const signal = scope.beginTry(deps.attemptTimeoutMs, tryTimedOut, planned);
            const t0 = deps.clock();
            try {
              const ctx: CallContext = {
                model: planned.upstreamModel,
                credentials: planned.credentials,
                callerCredentials: planned.callerCredentials,
                callerBase: planned.callerBase,
                signal,
                fetch: deps.fetch,
                limits: deps.limits,
              };
              const value = await call(adapter, ctx, planned);
              const ms = deps.clock() - t0;
              rec.upstreamMs += ms;
              attempts.push({ model: planned.model, provider: planned.provider, status: 200, duration_ms: ms, retry: retryNo });
              return value;
            } catch (err) {
              const ms = deps.clock() - t0;
              rec.upstreamMs += ms;
              // A try's timeout aborted the signal it ran under, which the scope has since replaced
              // (the call goes on); adapters rethrow the abort's reason.
              const e = signal.aborted && !scope.signal.aborted ? signal.reason : err;
              attempts.push({
                model: planned.model,
                provider: planned.provider,
                status: scope.signal.aborted ? 499 : toGateway(e).status,
                duration_ms: ms,
                retry: retryNo,
                error: e instanceof Error ? e.message : String(e),
              });
              throw e;
            } finally {
              scope.endTry();
            }
          },
          { policy: run.retry, hasFallbacks, scope, waits: rec },
        );
        return { value, attempt: planned, attempts, warnings, upstreamMs: rec.upstreamMs, retryWaitMs: rec.retryWaitMs };
      } catch (err) {
        if (scope.signal.aborted) rec.fail(toGateway(scope.signal.reason));
        error = toGateway(err);
        if (planned.error || error instanceof ProviderUnavailableError) {
          attempts.push({
            model: planned.model,
            provider: planned.provider,
            status: error.status,
            duration_ms: 0,
            retry: 0,
            error: error.message,
          });
        }
      }
      warnings.push(`${planned.model} failed (${error.status}): ${error.message}`);
      failed.push({ model: planned.model, provider: planned.provider, status: error.status, message: error.message });
      lastError = error;
      if (!error.fallbackable) rec.fail(failed.length > 1 ? new AllModelsFailedError(failed) : error);
    }
    // One model: its own error, as the provider gave it; several: the list.
    return rec.fail(failed.length === 1 && lastError ? lastError : new AllModelsFailedError(failed));
  }
}
