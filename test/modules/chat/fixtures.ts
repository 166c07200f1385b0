/** A gateway under test with fake providers (`openai`, `anthropic`, `mock`) and recorded sleeps. */
import type { AppDeps } from '../../../src/app.ts';
import type { Config } from '../../../src/config.ts';
import type { ProviderRegistry } from '../../../src/providers/registry.ts';
import type { Sleep } from '../../../src/routing/retry.ts';
import { seededRandom } from '../../../src/lib/random.ts';
import { makeTestApp, testConfig } from '../../helpers/app.ts';
import { FakeAdapter } from '../../helpers/fake-adapter.ts';

export interface Gateway {
  t: Awaited<ReturnType<typeof makeTestApp>>;
  key: string;
  fakes: Record<'openai' | 'anthropic' | 'mock', FakeAdapter>;
  sleeps: number[];
}

export async function gateway(over: Partial<Config> = {}, deps: Partial<AppDeps> = {}): Promise<Gateway> {
  const fakes = { openai: new FakeAdapter('openai'), anthropic: new FakeAdapter('anthropic'), mock: new FakeAdapter('mock') };
  const providers: ProviderRegistry = {
    get: (id) => (fakes as Record<string, FakeAdapter>)[id],
    has: (id) => id in fakes,
    ids: () => Object.keys(fakes),
  };
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms) => {
    sleeps.push(ms);
  };
  const base = testConfig();
  const t = await makeTestApp(
    {
      providers: { openai: { api_key: 'sk-gateway-openai-key' }, anthropic: { api_key: 'sk-ant-gateway-key' } },
      routing: { ...base.routing, keepalive_ms: 1000 },
      ...over,
    },
    { providers, sleep, random: seededRandom(11), ...deps },
  );
  const key = await t.key('acme');
  return { t, key, fakes, sleeps };
}
