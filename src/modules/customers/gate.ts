/**
 * What the proxy asks of the customers module before it calls any provider:
 * is this customer within its rate limit and budgets? The gate reserves the
 * call's estimated cost so that concurrent calls cannot all pass on the same
 * remaining budget, and the proxy settles the reservation with the real cost.
 */
import type { CustomerParams } from '../../schemas/customer.ts';
import type { Environment } from '../../store/types.ts';

export interface AdmitRequest {
  orgId: string;
  environment: Environment;
  customer: CustomerParams;
  /**
   * The call's estimated cost in USD, before markup: prompt tokens counted,
   * completion taken from max_tokens. Called only when a budget applies, so
   * calls of customers without budgets never load the tokenizer.
   */
  estimateCost: () => Promise<number>;
  now: number;
}

export interface Admission {
  /** The outcome of the checks, kept on the span as `limit_info`. */
  readonly limitInfo: Record<string, unknown>;
  /** Replaces the reservation with the call's real cost (USD, before markup). */
  settle(actualCost: number): Promise<void>;
  /** Drops the reservation: the call cost nothing. */
  release(): Promise<void>;
}

export interface CustomerGate {
  /** Throws RateLimitError (429) or BudgetExceededError (402); nothing is sent upstream then. */
  admit(req: AdmitRequest): Promise<Admission>;
}
