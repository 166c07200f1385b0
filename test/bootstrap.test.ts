/** First-start setup when gateways start together: one bootstrap key, created once, and none of them fails. */
import { expect, test } from 'bun:test';
import { bootstrap } from '../src/bootstrap.ts';
import { silentLogger } from '../src/lib/log.ts';
import { makeTestApp, testConfig } from './helpers/app.ts';

test('gateways racing to create the same bootstrap key all start, with the key stored once', async () => {
  const t = await makeTestApp();
  try {
    const config = { ...testConfig(), bootstrap_key: 'race0001.abcdefghijklmnopqrstuvwxyz012345' };
    // Both look the key up before either creates it: the second create hits the unique prefix.
    const started = await Promise.allSettled([1, 2, 3].map(() => bootstrap(t.store, t.keys, config, silentLogger)));
    expect(started.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const { org } = await t.store.orgs.ensure('default');
    expect((await t.store.keys.list(org.id)).filter((k) => k.prefix === 'race0001')).toHaveLength(1);
    expect((await t.keys.authenticate(config.bootstrap_key)).orgId).toBe(org.id);
  } finally {
    await t.close();
  }
});
