/**
 * Faults of the machine: a database that cannot take writes (full disk,
 * simulated with a size ceiling), a write thread that dies mid-batch, and a
 * gateway killed with SIGKILL under load. Nothing acknowledged is lost, the
 * proxy keeps answering, and writing resumes by itself.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer } from '../../src/server.ts';
import { openSqliteStore, STORE_THREADS, type StoreThreads } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/types.ts';
import { SpanWriter } from '../../src/store/writer.ts';
import { json, testConfig } from '../helpers/app.ts';
import { serve } from '../helpers/proc.ts';
import { span } from '../helpers/spans.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = 'faultkey.abcdefghijklmnopqrstuvwxyz012345';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

async function until(ms: number, check: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await check()) return;
    await Bun.sleep(50);
  }
  throw new Error(`not within ${ms} ms`);
}

describe('a database that cannot take writes', () => {
  test('ingest answers 503, the proxy answers, nothing stored is lost, and writing resumes when space returns', async () => {
    const config = testConfig({ port: 0, data_dir: join(dir, 'full'), bootstrap_key: KEY });
    config.store.max_db_mb = 3;
    const s = await startServer(config, { log: silentLogger, print: () => {} });
    try {
      const post = (path: string, body: unknown) => fetch(`${s.url}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      const big = (i: number) => ({ model: 'gpt-4o', prompt_messages: [{ role: 'user', content: `${i} ${'x'.repeat(20_000)}` }], customer_identifier: 'c' });
      const first = await post('/api/request-logs/create/', big(0));
      expect(first.status).toBe(201);
      const kept = (await json(first)).unique_id as string;
      const stored: string[] = [];
      let refused: Response | null = null;
      for (let i = 1; i < 400 && !refused; i++) {
        const r = await post('/api/request-logs/create/', big(i));
        if (r.status === 201) stored.push((await json(r)).unique_id);
        else refused = r;
      }
      expect(refused?.status).toBe(503);
      expect((await json(refused as Response)).detail).toContain('cannot take writes');
      const health = await json(await fetch(`${s.url}/health`));
      expect(health).toMatchObject({ status: 'degraded', span_writer: { storage: 'unavailable' } });
      expect(health.span_writer.storage_errors).toBeGreaterThan(0);
      expect((await post('/api/request-logs/create/', { ...big(999), keywordsai_api_controls: { block: false } })).status).toBe(503);
      // The proxy answers; its spans wait in memory.
      for (let i = 0; i < 5; i++) {
        const r = await post('/api/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: `during ${i}` }] });
        expect(r.status).toBe(200);
      }
      expect((await fetch(`${s.url}/api/request-logs/${kept}/`, { headers: auth })).status).toBe(200);
      // Space returns: deleted spans free their pages.
      for (const id of stored.slice(0, 60)) {
        expect((await fetch(`${s.url}/api/request-logs/${id}/`, { method: 'DELETE', headers: auth })).status).toBe(204);
      }
      await until(10_000, async () => (await json(await fetch(`${s.url}/health`))).span_writer.storage === 'ok');
      expect((await post('/api/request-logs/create/', big(1000))).status).toBe(201);
      const listed = await json(await fetch(`${s.url}/api/request-logs/list/?log_type=chat&page_size=100`, { headers: auth }));
      expect(listed.results.filter((r: { model: string }) => r.model === 'mock/echo').length).toBe(5);
    } finally {
      await s.stop();
    }
  }, 60_000);
});

describe('the write thread dies', () => {
  test('a new thread takes over; every batch awaited is stored exactly once', async () => {
    const store: Store = openSqliteStore({ path: join(dir, 'crash', 'switchyard.db') });
    const writer = new SpanWriter(store.spans, { maxQueue: 100_000, batchSize: 200, onError: () => {} });
    const threads = (store as unknown as { [STORE_THREADS]: StoreThreads })[STORE_THREADS];
    const writes = Array.from({ length: 30 }, (_, i) =>
      writer.write(Array.from({ length: 100 }, () => span({ org_id: 'org_crash', customer_identifier: `c${i % 3}`, cost: 0.01 }))),
    );
    for (let i = 0; i < 3; i++) {
      await Bun.sleep(5);
      threads.writer.crash();
    }
    await Promise.all(writes);
    expect(await store.spans.count({ orgId: 'org_crash', environments: ['prod'] })).toBe(3000);
    const usage = await Promise.all(['c0', 'c1', 'c2'].map((c) => store.customers.get('org_crash', 'prod', c)));
    expect(usage.map((u) => u?.requests)).toEqual([1000, 1000, 1000]);
    expect(threads.writer.starts).toBeGreaterThan(1);
    await store.close();
  }, 60_000);
});

describe('SIGKILL under mixed load', () => {
  test('every span the gateway acknowledged is there after a restart', async () => {
    const data = join(dir, 'kill');
    const env = { SWITCHYARD_BOOTSTRAP_KEY: KEY };
    const g = await serve(['--data-dir', data], env);
    const acked: string[] = [];
    let stop = false;
    const ingest = async () => {
      while (!stop) {
        const r = await fetch(`${g.base}/api/request-logs/create/`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ model: 'gpt-4o', prompt_messages: [{ role: 'user', content: 'durable?' }], customer_identifier: 'k' }),
        }).catch(() => null);
        if (r?.status === 201) acked.push((await json(r)).unique_id);
      }
    };
    const proxy = async (stream: boolean) => {
      while (!stop) {
        await fetch(`${g.base}/api/chat/completions`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: 'load' }] }),
        })
          .then((r) => r.arrayBuffer())
          .catch(() => null);
      }
    };
    const load = Promise.all([ingest(), ingest(), ingest(), proxy(false), proxy(true)]);
    await until(15_000, async () => acked.length >= 200);
    g.proc.kill('SIGKILL');
    await g.proc.exited;
    stop = true;
    await load;
    const again = await serve(['--data-dir', data], env);
    try {
      const missing: string[] = [];
      for (const id of acked) {
        const r = await fetch(`${again.base}/api/request-logs/${id}/`, { headers: auth });
        if (r.status !== 200) missing.push(id);
      }
      expect(missing).toEqual([]);
    } finally {
      again.proc.kill('SIGTERM');
      await again.proc.exited;
    }
  }, 90_000);
});
