/**
 * The ingest side of scripts/bench-spans.ts, in its own process so that the
 * load generator does not share the server's event loop: a server on
 * 127.0.0.1 over a fresh database, with one organization and key. Prints
 * `{"port", "key"}` as one JSON line, then serves until stdin closes.
 * Run it under `bun --cpu-prof` to profile ingest; BENCH_WRITER_BATCH overrides
 * the writer batch size (default: the config default, 2,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { createApp } from '../src/app.ts';
import { ConfigSchema, type Config } from '../src/config.ts';
import { silentLogger } from '../src/lib/log.ts';
import { openBackend } from '../src/store/open.ts';
import { buildAppDeps } from '../src/wiring.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
const config = { ...(Value.Default(ConfigSchema, {}) as Config), data_dir: dir };
const backend = await openBackend(config, { log: silentLogger, now: Date.now });
const { store } = backend;
config.writer.batch_size = Number(process.env.BENCH_WRITER_BATCH ?? config.writer.batch_size);
// The server's own wiring and defaults.
const deps = buildAppDeps(config, backend, { log: silentLogger, now: Date.now, version: 'bench' });
const { keys, writer } = deps;
const org = (await store.orgs.ensure('bench')).org;
const { key } = await keys.create(org.id, { name: 'bench', environment: 'prod', role: 'admin' });
const app = createApp(deps);
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch, maxRequestBodySize: 64 * 1024 * 1024 });
console.log(JSON.stringify({ port: server.port, key }));

for await (const _ of Bun.stdin.stream()) {
  // Drained until the parent closes stdin.
}
await server.stop(true);
await writer.flush();
await backend.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
