/** A customer's or key's limit refuses the call, or cannot be decided. */
import { GatewayError } from './base.ts';

export class BudgetExceededError extends GatewayError {
  readonly status = 402;
  override readonly type = 'insufficient_quota';
  override readonly code = 'budget_exceeded';
  constructor(
    readonly budget: 'period_budget' | 'total_budget' | 'spending_limit',
    readonly limit: number,
    readonly used: number,
    /** More fields of the body (customer_identifier, period_start, period_end, ...). */
    readonly details: Record<string, unknown> = {},
    /** The customer gate's check, for the refused call's span (`limit_info`). */
    readonly limitInfo: Record<string, unknown> | null = null,
  ) {
    super(`Customer ${budget} of ${limit} USD is exhausted: ${used} USD used`);
  }
  override extraBody() {
    return { budget: this.budget, limit: this.limit, used: this.used, ...this.details };
  }
}

export class RateLimitError extends GatewayError {
  readonly status = 429;
  override readonly type = 'rate_limit_error';
  override readonly code = 'rate_limit_exceeded';
  constructor(
    readonly retryAfterSeconds: number,
    /** The customer gate's check, for the refused call's span (`limit_info`). */
    readonly limitInfo: Record<string, unknown> | null = null,
  ) {
    super('Rate limit exceeded');
  }
  override extraBody() {
    return { retry_after: this.retryAfterSeconds };
  }
}

/**
 * A rate limit or budget cannot be decided: the shared store that decides it
 * (Redis) is unreachable and the deployment refuses rather than fall back
 * (`fail_closed`). Nothing is sent upstream.
 */
export class SharedStateUnavailableError extends GatewayError {
  readonly status = 503;
  override readonly type = 'server_error';
  override readonly code = 'shared_state_unavailable';
  constructor(readonly check: 'rate_limit' | 'budget') {
    super(`The ${check === 'rate_limit' ? 'rate limit' : 'budget'} cannot be checked: the shared state store is unreachable; try again shortly`);
  }
  override extraBody() {
    return { retry_after: 1 };
  }
}
