/**
 * The PostgreSQL store, for gateways on many hosts sharing one database.
 * Bun's built-in client keeps a pool of `poolSize` connections; nothing
 * blocks the event loop. Every statement has the server-side
 * `statement_timeout`: past it the caller gets the same 503 as a SQLite read
 * past its budget. Heavy reads (lists and aggregates over a window) run at
 * most `maxHeavyQueries` at once, so a console full of wide views always
 * leaves connections for the proxy's lookups and the span writer.
 *
 * Opening applies the migrations (under an advisory lock: gateways starting
 * together apply each once) and makes the spans partitions of the weeks
 * around now; a timer makes the next ones ahead of time.
 */
import type { SQL } from 'bun';
import type { Logger } from '../../lib/log.ts';
import type { Store } from '../types.ts';
import { RollupAnalytics } from '../analytics-plan.ts';
import { PgAnalyticsSource } from './analytics.ts';
import { num, openPool, type PgPoolOptions, translate, translating } from './connection.ts';
import { PgCustomerStore } from './customers.ts';
import { openDb } from './db.ts';
import { PgKeyStore } from './keys.ts';
import { applyMigrations } from './migrate.ts';
import { ensureMetadataIndexes } from './metadata-indexes.ts';
import { migrations } from './migrations/index.ts';
import { PgModelStore } from './models.ts';
import { PgOrgStore } from './orgs.ts';
import { Partitions } from './partitions.ts';
import { PgPromptStore } from './prompts.ts';
import { PgSpanStore, type PgSpanSettings } from './spans.ts';
import { storable } from './storable.ts';

export interface PgStoreOptions extends PgPoolOptions {
  /** Heavy reads running at once, at most. */
  maxHeavyQueries: number;
  settings: PgSpanSettings;
  now: () => number;
  log: Logger;
  /** How often partitions are made ahead (default hourly). */
  partitionCheckMs?: number;
}

type Parts = Omit<Store, 'ping' | 'sizeBytes' | 'close'>;

/** Methods that read a window of spans or every customer of a scope. */
const HEAVY: { [P in keyof Parts]?: readonly string[] } = {
  spans: ['count', 'list', 'summary', 'listTraces', 'listThreads'],
  customers: ['count', 'list', 'usage', 'orgFigures'],
  analytics: ['summary', 'timeseries', 'breakdown'],
};

/** At most `max` at once; the rest wait in order. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Methods that make their own JSON text of what they are handed (span-rows.ts toJson), storable by then. */
const OWN_ENCODING: { [P in keyof Parts]?: readonly string[] } = { spans: ['insertBatch'] };

/**
 * The part with every method's errors translated, heavy ones through the gate,
 * and its arguments storable (storable.ts).
 */
function guarded<P extends keyof Parts>(name: P, part: Parts[P], heavy: Gate, timeoutMs: number): Parts[P] {
  const slow = new Set(HEAVY[name] ?? []);
  const own = new Set(OWN_ENCODING[name] ?? []);
  return translating(
    part,
    timeoutMs,
    (method, call) => (slow.has(method) ? heavy.run(call) : call()),
    (method, args) => (own.has(method) ? args : storable(args)),
  );
}

export interface PgStore extends Store {
  readonly partitions: Partitions;
  /** The pool, for the shared state and tests. */
  readonly sql: SQL;
}

export async function openPostgresStore(opts: PgStoreOptions): Promise<PgStore> {
  const sql = openPool(opts);
  try {
    await applyMigrations(sql, migrations);
    await ensureMetadataIndexes(sql, opts.settings.metadataKeys);
    const partitions = new Partitions(sql);
    await partitions.ensure(opts.now());
    const db = openDb(sql);
    const heavy = new Gate(Math.max(1, Math.min(opts.maxHeavyQueries, opts.poolSize - 1)));
    const g = <P extends keyof Parts>(name: P, part: Parts[P]) => guarded(name, part, heavy, opts.statementTimeoutMs);
    const timer = setInterval(() => {
      partitions.ensure(opts.now()).catch((err: unknown) => opts.log.warn('spans partitions not made ahead; trying again later', { error: String(err) }));
    }, opts.partitionCheckMs ?? 3_600_000);
    timer.unref();
    let closed = false;
    return {
      sql,
      partitions,
      orgs: g('orgs', new PgOrgStore(db)),
      keys: g('keys', new PgKeyStore(db)),
      models: g('models', new PgModelStore(db)),
      prompts: g('prompts', new PgPromptStore(db)),
      customers: g('customers', new PgCustomerStore(sql)),
      spans: g('spans', new PgSpanStore(sql, partitions, opts.settings, opts.now)),
      analytics: g('analytics', new RollupAnalytics(new PgAnalyticsSource(sql), opts.settings.metadataKeys)),
      async ping() {
        if (closed) return false;
        try {
          return (await sql.unsafe<{ ok: number }[]>('SELECT 1 AS ok'))[0]?.ok === 1;
        } catch {
          return false;
        }
      },
      async sizeBytes() {
        const [row] = await sql.unsafe<{ n: string }[]>('SELECT pg_database_size(current_database()) AS n');
        return num(row?.n ?? 0);
      },
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        await sql.close({ timeout: 5 });
      },
    };
  } catch (err) {
    await sql.close();
    throw translate(err, opts.statementTimeoutMs);
  }
}
