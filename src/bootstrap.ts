/**
 * First-start setup: an empty database gets a default organization and a
 * development key (printed once); a configured bootstrap key is created if
 * absent, so containers can start with a key they already know.
 */
import type { Config } from './config.ts';
import type { Logger } from './lib/log.ts';
import { hashKey, type KeyService } from './modules/keys/service.ts';
import type { Organization } from './store/key-types.ts';
import type { Store } from './store/types.ts';

export const DEFAULT_ORG = 'default';

export interface BootstrapResult {
  org: Organization;
  /** Set only when this start created the development key. */
  devKey: string | null;
}

export async function bootstrap(store: Store, keys: KeyService, config: Config, log: Logger): Promise<BootstrapResult> {
  // Atomic: of gateways starting together on an empty database, one sees the first start.
  const { org, firstStart } = await store.orgs.ensure(DEFAULT_ORG);
  let devKey: string | null = null;
  if (config.bootstrap_key) {
    const key = config.bootstrap_key;
    const prefix = key.split('.')[0] as string;
    let existing = await store.keys.findByPrefix(prefix);
    if (!existing) {
      try {
        await keys.create(org.id, { name: 'bootstrap key', environment: config.bootstrap_key_env, role: 'admin' }, key);
        log.info('created the configured bootstrap key', { prefix, environment: config.bootstrap_key_env });
      } catch (err) {
        // Gateways starting together with one bootstrap key: another one created it first.
        existing = await store.keys.findByPrefix(prefix);
        if (!existing) throw err;
      }
    }
    if (existing && existing.hash !== hashKey(key)) {
      log.warn('a different key with the bootstrap key prefix already exists; the bootstrap key was not created', {
        prefix,
      });
    }
  } else if (firstStart) {
    devKey = (await keys.create(org.id, { name: 'development key', environment: 'prod', role: 'admin' })).key;
  }
  return { org, devKey };
}

export function banner(baseUrl: string, devKey: string | null, mock: boolean): string {
  const lines = [`Switchyard listening on ${baseUrl}`, `  API reference: ${baseUrl}/docs   health: ${baseUrl}/health`];
  if (devKey) {
    const model = mock ? 'mock/echo' : 'gpt-4o-mini';
    lines.push(
      '',
      `Development API key (shown once, stored only as a hash): ${devKey}`,
      'Try it:',
      `  curl ${baseUrl}/api/chat/completions \\`,
      `    -H "Authorization: Bearer ${devKey}" -H "Content-Type: application/json" \\`,
      `    -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`,
    );
  }
  return `${lines.join('\n')}\n`;
}
