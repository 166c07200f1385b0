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
  throw ValidationError.field(field, `must be 'prod' or 'test', got '${value.slice(0, 100)}'`);
}

function parseBool(value: string, field: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw ValidationError.field(field, `must be true or false, got '${value.slice(0, 100)}'`);
}

export function scopeFrom(principal: Principal, query: Record<string, string | undefined>): Scope {
  const orgId = principal.orgId;
  // Every parameter given is checked, even one that another overrides: a typo must not pass silently.
  const allEnvs = query.all_envs === undefined ? false : parseBool(query.all_envs, 'all_envs');
  const isTest = query.is_test === undefined ? undefined : parseBool(query.is_test, 'is_test');
  const named = query.environment === undefined ? undefined : parseEnvironment(query.environment, 'environment');
  if (allEnvs) return { orgId, environments: ['prod', 'test'] };
  if (isTest !== undefined) return { orgId, environments: [isTest ? 'test' : 'prod'] };
  if (named !== undefined) return { orgId, environments: [named] };
  return { orgId, environments: [principal.environment] };
}
