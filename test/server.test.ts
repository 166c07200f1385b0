import { afterAll, describe, expect, spyOn, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockUpstream } from '../src/providers/mock/server.ts';
import { silentLogger } from '../src/lib/log.ts';
import { Tokenizer } from '../src/pricing/tokenizer.ts';
import { startServer } from '../src/server.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { testConfig } from './helpers/app.ts';
import { span } from './helpers/spans.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('start-up', () => {
  test('preload_tokenizer loads the encodings before the port opens; by default they load on first use', async () => {
    const warm = spyOn(Tokenizer.prototype, 'warm').mockImplementation(async () => {});
    try {
      const lazy = await startServer(testConfig({ port: 0, data_dir: join(dir, 'lazy') }), { log: silentLogger, print: () => {} });
      expect(warm).toHaveBeenCalledTimes(0);
      await lazy.stop();
      const eager = await startServer(testConfig({ port: 0, data_dir: join(dir, 'eager'), preload_tokenizer: true }), { log: silentLogger, print: () => {} });
      expect(warm).toHaveBeenCalledTimes(1);
      await eager.stop();
    } finally {
      warm.mockRestore();
    }
  });
});

describe('graceful shutdown', () => {
  test('stop flushes queued spans, closes the database and stops listening', async () => {
    const config = testConfig({ port: 0, data_dir: join(dir, 'flush') });
    const s = await startServer(config, { log: silentLogger, print: () => {} });
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    for (let i = 0; i < 500; i++) s.writer.offer(span({ org_id: 'org_x' }));
    await s.stop();
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    const store = openSqliteStore({ path: join(config.data_dir, 'switchyard.db') });
    expect(await store.spans.count({ orgId: 'org_x', environments: ['prod'] })).toBe(500);
    await store.close();
  });

  test('stop is idempotent', async () => {
    const s = await startServer(testConfig({ port: 0, data_dir: join(dir, 'twice') }), { log: silentLogger, print: () => {} });
    await Promise.all([s.stop(), s.stop()]);
  });
});

describe('readiness and draining', () => {
  const KEY = 'drain123.abcdefghijklmnopqrstuvwxyz012345';

  test('at stop /ready turns 503 while an in-flight call finishes; liveness stays 200; then the port closes', async () => {
    const upstream = startMockUpstream({ port: 0, ttft_ms: 400 });
    const config = testConfig({
      port: 0,
      data_dir: join(dir, 'drain'),
      bootstrap_key: KEY,
      providers: { slowup: { kind: 'openai', api_key: 'k', api_base: upstream.url } },
    });
    const s = await startServer(config, { log: silentLogger, print: () => {} });
    try {
      expect(await (await fetch(`${s.url}/ready`)).json()).toEqual({ status: 'ready' });
      const inFlight = fetch(`${s.url}/api/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slowup/mock-model', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await Bun.sleep(100);
      const stopped = s.stop();
      const ready = await fetch(`${s.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'draining' });
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      expect((await inFlight).status).toBe(200);
      await stopped;
      await expect(fetch(`${s.url}/ready`)).rejects.toThrow();
    } finally {
      await s.stop();
      await upstream.stop();
    }
    const store = openSqliteStore({ path: join(config.data_dir, 'switchyard.db') });
    const org = await store.orgs.getByName('default');
    expect(await store.spans.count({ orgId: org!.id, environments: ['prod'] })).toBe(1);
    await store.close();
  });

  test('metrics.port serves /metrics there (and only there); require_key applies on it', async () => {
    const config = testConfig({
      port: 0,
      data_dir: join(dir, 'metrics-port'),
      bootstrap_key: KEY,
      metrics: { enabled: true, port: 0, require_key: true, customer_label: false },
    });
    const s = await startServer(config, { log: silentLogger, print: () => {} });
    try {
      const mp = `http://127.0.0.1:${s.metricsPort}`;
      expect(s.metricsPort).not.toBe(s.port);
      expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${mp}/metrics`)).status).toBe(401);
      const ok = await fetch(`${mp}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('switchyard_build_info{version=');
      expect((await fetch(`${mp}/other`)).status).toBe(404);
    } finally {
      await s.stop();
    }
    await expect(fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).rejects.toThrow();
  });
});
