/**
 * Which environments a read covers. The key's own environment by default;
 * `is_test=true|false` picks one, `all_envs=true` both, and `environment`
 * (users and threads) names one.
 */
import { ValidationError } from '../errors.ts';
import type { Principal } from '../principal.ts';
import type { Environment, Scope } from '../store/types.ts';

export function parseEnvironment(value: string, field: string): Environment {
  const v = value.toLowerCase();
  if (v === 'test') return 'test';
  if (v === 'prod' || v === 'production') return 'prod';
  throw ValidationError.field(field, `must be 'prod' or 'test', got '${value}'`);
}

function parseBool(value: string, field: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw ValidationError.field(field, `must be true or false, got '${value}'`);
}

export function scopeFrom(principal: Principal, query: Record<string, string | undefined>): Scope {
  const orgId = principal.orgId;
  if (query.all_envs !== undefined && parseBool(query.all_envs, 'all_envs')) {
    return { orgId, environments: ['prod', 'test'] };
  }
  if (query.is_test !== undefined) {
    return { orgId, environments: [parseBool(query.is_test, 'is_test') ? 'test' : 'prod'] };
  }
  if (query.environment !== undefined) {
    return { orgId, environments: [parseEnvironment(query.environment, 'environment')] };
  }
  return { orgId, environments: [principal.environment] };
}
