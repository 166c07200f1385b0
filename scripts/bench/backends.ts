/**
 * One gateway per backend for `npm run bench`: SQLite in a data folder of its
 * own, PostgreSQL on a fresh database created for the run (and dropped after
 * it), PostgreSQL + Redis with a key prefix of its own. After the run each
 * gateway is stopped and its spans counted, so the bench can check that
 * every answered request left one.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Subprocess, SQL } from 'bun';
import { spawnChild, stopChild, waitForHttp } from './procs.ts';

export type Backend = 'sqlite' | 'postgres' | 'postgres+redis';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres', 'postgres+redis'];

export interface BenchGateway {
  backend: Backend;
  /** The table's target column: `switchyard`, `switchyard (postgres)`, or `baseline`. */
  label: string;
  proc: Subprocess;
  port: number;
  coldStartMs: number;
  /** Answered proxy and accepted ingest requests sent to it, for the span check. */
  proxied: number;
  ingested: number;
  dataDir: string;
  /** Set for the PostgreSQL backends. */
  database?: { admin: string; name: string; url: string };
}

export function parseBackends(list: string): Backend[] {
  return list.split(',').map((b) => {
    if (!(BACKENDS as readonly string[]).includes(b)) throw new Error(`--backends: '${b}' is not one of ${BACKENDS.join(', ')}`);
    return b as Backend;
  });
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface StartOptions {
  binary: string;
  /** Another build, run on SQLite beside the others (before/after comparisons in one run). */
  baseline?: string;
  dir: string;
  backends: Backend[];
  databaseUrl: string;
  redisUrl: string;
  ports: number[];
  /** The gateway's config, less its port, data folder and backend. */
  config: Record<string, unknown>;
}

export async function startBenchGateways(o: StartOptions): Promise<BenchGateway[]> {
  const gateways: BenchGateway[] = [];
  const runs: { backend: Backend; binary: string; label: string }[] = o.backends.map((backend) => ({
    backend,
    binary: o.binary,
    label: backend === 'sqlite' ? 'switchyard' : `switchyard (${backend})`,
  }));
  if (o.baseline) runs.unshift({ backend: 'sqlite', binary: o.baseline, label: 'baseline' });
  for (const [i, { backend, binary, label }] of runs.entries()) {
    const port = o.ports[i] as number;
    const dataDir = join(o.dir, `${i}-${backend.replace('+', '-')}`);
    mkdirSync(dataDir, { recursive: true });
    const config: Record<string, unknown> = { ...o.config, port, data_dir: dataDir };
    let database: BenchGateway['database'];
    if (backend !== 'sqlite') {
      const name = `switchyard_bench_${process.pid}_${i}`;
      const admin = new SQL(o.databaseUrl);
      await admin.unsafe(`CREATE DATABASE ${name}`);
      await admin.close();
      database = { admin: o.databaseUrl, name, url: withDatabase(o.databaseUrl, name) };
      config.database = { url: database.url };
    }
    if (backend === 'postgres+redis') config.redis = { url: o.redisUrl, key_prefix: `switchyard-bench-${process.pid}:` };
    const file = join(dataDir, 'switchyard.json');
    writeFileSync(file, JSON.stringify(config));
    const started = performance.now();
    const proc = spawnChild([binary, '--config', file]);
    await waitForHttp(`http://127.0.0.1:${port}/health`, proc, 60_000);
    gateways.push({ backend, label, proc, port, coldStartMs: performance.now() - started, proxied: 0, ingested: 0, dataDir, ...(database ? { database } : {}) });
  }
  return gateways;
}

interface SpanCounts {
  proxy: number;
  ingest: number;
}

async function countSpans(g: BenchGateway): Promise<SpanCounts> {
  // Proxy spans name their provider; ingested ones (no provider_id) do not.
  if (!g.database) {
    const db = new Database(join(g.dataDir, 'switchyard.db'), { readonly: true });
    const n = (where: string) => db.query<{ n: number }, []>(`SELECT count(*) AS n FROM spans WHERE ${where}`).get()?.n ?? 0;
    const counts = { proxy: n('provider_id IS NOT NULL'), ingest: n('provider_id IS NULL') };
    db.close();
    return counts;
  }
  const sql = new SQL(g.database.url);
  const [row] = await sql.unsafe<{ proxy: string; ingest: string }[]>(
    'SELECT count(*) FILTER (WHERE provider_id IS NOT NULL) AS proxy, count(*) FILTER (WHERE provider_id IS NULL) AS ingest FROM spans',
  );
  await sql.close();
  return { proxy: Number(row?.proxy ?? 0), ingest: Number(row?.ingest ?? 0) };
}

/** Stops each gateway, then says per backend whether every answered request left its span. */
export async function stopBenchGateways(gateways: BenchGateway[]): Promise<string[]> {
  const notes: string[] = [];
  for (const g of gateways) {
    const code = await stopChild(g.proc);
    const c = await countSpans(g);
    const whole = c.proxy >= g.proxied && c.ingest >= g.ingested;
    notes.push(
      `${g.label}: exit code after SIGTERM ${code}; spans stored: ${c.proxy} for ${g.proxied} proxied requests answered, ${c.ingest} for ${g.ingested} ingest requests accepted${whole ? ' (none lost; the extra spans are warm-up requests of the streams and requests still in flight when a run stopped)' : ' (SPANS LOST)'}`,
    );
    if (g.database) {
      const admin = new SQL(g.database.admin);
      await admin.unsafe(`DROP DATABASE IF EXISTS ${g.database.name} WITH (FORCE)`);
      await admin.close();
    }
  }
  return notes;
}
