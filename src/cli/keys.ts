/** `switchyard keys ...`: key management straight against the database (the data folder's, or PostgreSQL's). */
import { DEFAULT_ORG } from '../bootstrap.ts';
import type { Config } from '../config.ts';
import { parseEnvironment } from '../http/scope.ts';
import { createLogger } from '../lib/log.ts';
import { KeyService } from '../modules/keys/service.ts';
import { KEY_ROLES, type KeyRole } from '../store/key-types.ts';
import { openBackend } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { numberFlag, parseCommandArgs, UsageError } from './args.ts';

const OPTIONS = {
  org: { type: 'string' },
  env: { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  expires: { type: 'string' },
  'rate-limit': { type: 'string' },
  'max-usage': { type: 'string' },
  'spending-limit': { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  config: { type: 'string' },
} as const;

async function orgId(store: Store, name: string, create: boolean): Promise<string> {
  const org = create ? (await store.orgs.ensure(name)).org : await store.orgs.getByName(name);
  if (!org) throw new UsageError(`no organization named '${name}'`);
  return org.id;
}

export async function keysCommand(argv: string[], config: Config, out: (line: string) => void): Promise<void> {
  const { values: v, positionals } = parseCommandArgs(argv, OPTIONS, true);
  const [action, target] = positionals;
  // The whole backend, so a revocation reaches running gateways through the invalidation feed.
  const backend = await openBackend(config, { log: createLogger(config.log_level), now: Date.now });
  const { store } = backend;
  const keys = new KeyService(store, backend.state.rateLimiter, backend.state.invalidations);
  try {
    if (action === 'create') {
      const expires = v.expires === undefined ? undefined : Date.parse(v.expires);
      if (expires !== undefined && Number.isNaN(expires)) throw new UsageError(`--expires must be an ISO date, got '${v.expires}'`);
      const environment = v.env === undefined ? 'prod' : parseEnvironmentOrUsage(v.env);
      const org = v.org ?? DEFAULT_ORG;
      const role = parseRole(v.role);
      const { record, key } = await keys.create(await orgId(store, org, true), {
        name: v.name ?? `${org} ${environment} key`,
        environment,
        role,
        expires_at: expires,
        rate_limit: numberFlag(v['rate-limit'], 'rate-limit', 'integer'),
        max_usage: numberFlag(v['max-usage'], 'max-usage', 'integer'),
        spending_limit: numberFlag(v['spending-limit'], 'spending-limit'),
      });
      out(`Created ${role} key ${record.id} for organization '${org}' (${environment}). Shown once:`);
      out(key);
    } else if (action === 'list') {
      const list = await keys.list(await orgId(store, v.org ?? DEFAULT_ORG, false));
      out(['id', 'prefix', 'env', 'role', 'name', 'created', 'status'].join('\t'));
      for (const k of list) {
        const status = k.revoked_at !== null ? 'revoked' : k.expires_at !== null && k.expires_at <= Date.now() ? 'expired' : 'active';
        out([k.id, k.prefix, k.environment, k.role, k.name, new Date(k.created_at).toISOString(), status].join('\t'));
      }
    } else if (action === 'revoke') {
      if (!target) throw new UsageError('keys revoke needs a key id or prefix');
      const rec = target.startsWith('key_') ? null : await store.keys.findByPrefix(target);
      const org = rec ? rec.org_id : await orgId(store, v.org ?? DEFAULT_ORG, false);
      await keys.revoke(org, rec ? rec.id : target);
      out(`Revoked ${rec ? rec.id : target}`);
    } else {
      throw new UsageError(`unknown keys action '${action ?? ''}': use create, list or revoke`);
    }
  } finally {
    await backend.close();
  }
}

function parseEnvironmentOrUsage(value: string) {
  try {
    return parseEnvironment(value, '--env');
  } catch {
    throw new UsageError(`--env must be prod or test, got '${value}'`);
  }
}

/** The CLI works on the data file as its owner: its keys are admin unless asked otherwise. */
function parseRole(value: string | undefined): KeyRole {
  if (value === undefined) return 'admin';
  const role = KEY_ROLES.find((r) => r === value);
  if (!role) throw new UsageError(`--role must be one of ${KEY_ROLES.join(', ')}, got '${value}'`);
  return role;
}
