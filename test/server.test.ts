import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/lib/log.ts';
import { startServer } from '../src/server.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { testConfig } from './helpers/app.ts';
import { span } from './helpers/spans.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
