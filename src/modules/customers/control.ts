/**
 * `customer_params` fields that decide what a customer may spend or how fast
 * it may call. A proxied call or an ingested log that carries them sets them
 * on the customer, so only admin keys may send them: a member key handed to a
 * customer must not lift that customer's own budget. The other fields (name,
 * email, group_identifier, metadata) describe the customer and stay open to
 * every key that may call or ingest.
 */
import { ForbiddenError } from '../../errors.ts';
import { type Actor, hasRole } from '../keys/policy.ts';

export const CUSTOMER_CONTROL_FIELDS = [
  'period_budget',
  'total_budget',
  'budget_duration',
  'period_start',
  'period_end',
  'markup_percentage',
  'rate_limit',
] as const;

/** Throws 403 naming the first control field a non-admin sent; `field` is where `params` sits in the request. */
export function requireCustomerControl(actor: Actor, params: unknown, field: string): void {
  if (hasRole(actor.role, 'admin') || params === null || typeof params !== 'object') return;
  const sent = CUSTOMER_CONTROL_FIELDS.find((f) => (params as Record<string, unknown>)[f] !== undefined);
  if (sent === undefined) return;
  throw new ForbiddenError(
    `${field}.${sent} sets the customer's budget or limits and needs an API key with role 'admin'; ` +
      `this key's role is '${actor.role}' (it may send customer_identifier, name, email, group_identifier and metadata)`,
  );
}
