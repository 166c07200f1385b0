/**
 * The SQLite store. With a file database nothing runs on the event loop:
 * every write (span batches with their usage accounting, and every other
 * change) goes to one write thread, and every read to a pool of reader
 * threads (readers.ts), each thread with its own connection. Several gateway
 * processes may share one file: SQLite's locks order their writes.
 *
 * An in-memory database is private to its connection, so it runs on the
 * caller's thread (tests).
 */
import { statSync } from 'node:fs';
import { StorageUnavailableError } from '../../errors.ts';
import type { SpanRecord, Store } from '../types.ts';
import { type ConnectionOptions, DEFAULT_CHECKPOINT_MB, DEFAULT_CONNECTION, openConnection } from './connection.ts';
import { DEFAULT_SETTINGS, localStore, type PartName, type StoreParts, type StoreSettings } from './local.ts';
import { ensureMetadataIndexes } from './metadata-indexes.ts';
import { applyMigrations } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { ReaderPool } from './readers.ts';
import { SqliteThreadError, StoreThread } from './thread-client.ts';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** Reader threads (file databases). */
  readers?: number;
  /** Heavy reads running at once, at most. */
  maxHeavyQueries?: number;
  /** Time budget of one read, ms. */
  queryTimeoutMs?: number;
  /** Page cache and memory map of each connection. */
  connection?: ConnectionOptions;
  /** What the write thread's connection sets otherwise (its page cache, its checkpoint size). */
  writer?: Partial<Pick<ConnectionOptions, 'cacheMb' | 'checkpointMb'>>;
  settings?: StoreSettings;
}

/** Where each method of the store runs: a reader (light or heavy) or the write thread. */
type Route = 'read' | 'heavy' | 'write';
type Routes = { [P in PartName]: Record<keyof StoreParts[P], Route> };

const ROUTES: Routes = {
  orgs: { ensure: 'write', getByName: 'read', get: 'read' },
  keys: { insert: 'write', findByPrefix: 'read', list: 'read', get: 'read', update: 'write', delete: 'write', recordUse: 'write' },
  spans: {
    insertBatch: 'write', get: 'read', count: 'heavy', list: 'heavy', summary: 'heavy', update: 'write', delete: 'write',
    listTraces: 'heavy', traceSpans: 'read', deleteTrace: 'write', listThreads: 'heavy', threadSpans: 'read',
    purge: 'write', purgeBodies: 'write',
    traceLinks: 'read', fillLinks: 'write',
  },
  customers: {
    get: 'read', update: 'write', delete: 'write', count: 'heavy', list: 'heavy', usage: 'heavy', billed: 'read',
    orgFigures: 'heavy',
  },
  prompts: {
    create: 'write', list: 'read', get: 'read', update: 'write', delete: 'write', addVersion: 'write',
    listVersions: 'read', getVersion: 'read', updateVersion: 'write', deploy: 'write', deleteVersion: 'write',
  },
  models: { list: 'read', get: 'read', insert: 'write', update: 'write', delete: 'write' },
  analytics: { summary: 'heavy', timeseries: 'heavy', breakdown: 'heavy' },
};

/** SQLite errors that mean the disk or folder cannot take writes. */
const UNWRITABLE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;

function translate(err: unknown): never {
  if (err instanceof SqliteThreadError && err.code && UNWRITABLE.test(err.code)) {
    throw new StorageUnavailableError(`The database cannot take writes right now (${err.code}): ${err.message}`);
  }
  throw err;
}

function remote<P extends PartName>(part: P, call: (part: PartName, method: string, args: unknown[], route: Route) => Promise<unknown>): StoreParts[P] {
  const routes = ROUTES[part] as Record<string, Route>;
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [method, route] of Object.entries(routes)) {
    methods[method] = (...args: unknown[]) => call(part, method, args, route);
  }
  return methods as unknown as StoreParts[P];
}

function openMemory(settings: StoreSettings): Store {
  const client = openConnection(':memory:');
  applyMigrations(client, migrations);
  ensureMetadataIndexes(client, settings.metadataKeys);
  const pages = client.query<{ bytes: number }, []>('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()');
  let closed = false;
  return {
    ...localStore(client, settings),
    async ping() {
      return !closed;
    },
    async sizeBytes() {
      return closed ? 0 : (pages.get()?.bytes ?? 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      client.close(true);
    },
  };
}

/** The store's threads, for fault-injection tests (a file database's store carries them). */
export const STORE_THREADS = Symbol('sqlite store threads');

export interface StoreThreads {
  writer: StoreThread;
  readers: ReaderPool;
  checkpointer: StoreThread;
}

/** How often the checkpoint thread looks at the WAL's size (a stat() of its file). */
const CHECKPOINT_POLL_MS = 100;

const fileBytes = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

export function openSqliteStore(opts: SqliteStoreOptions): Store {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  if (opts.path === ':memory:') return openMemory(settings);
  const connection = opts.connection ?? DEFAULT_CONNECTION;
  // Migrations run once, before any thread opens the file; several processes
  // starting together take turns (each migration checks and applies under the write lock).
  const setup = openConnection(opts.path, connection);
  try {
    applyMigrations(setup, migrations);
    ensureMetadataIndexes(setup, settings.metadataKeys);
  } finally {
    setup.close(true);
  }
  const checkpointMb = opts.writer?.checkpointMb ?? connection.checkpointMb ?? DEFAULT_CHECKPOINT_MB;
  // The write thread checkpoints itself only past four times the size: the checkpoint thread does it first.
  const writer = new StoreThread(opts.path, { ...connection, ...opts.writer, checkpointMb: 4 * checkpointMb }, settings);
  const checkpointer = new StoreThread(opts.path, { ...connection, cacheMb: 1 }, settings);
  checkpointer.submit((id) => ({ type: 'checkpoints', id, mb: checkpointMb, everyMs: CHECKPOINT_POLL_MS }), true).catch(() => {});
  const readers = new ReaderPool(opts.path, {
    size: opts.readers ?? 2,
    maxHeavy: opts.maxHeavyQueries ?? 1,
    timeoutMs: opts.queryTimeoutMs ?? 10_000,
    connection,
    settings,
  });
  const call = (part: PartName, method: string, args: unknown[], route: Route): Promise<unknown> => {
    if (route !== 'write') return readers.read(part, method, args, route === 'heavy');
    if (part === 'spans' && method === 'insertBatch') return writer.insert(args[0] as SpanRecord[]).catch(translate);
    return writer.call(part, method, args, false).catch(translate);
  };
  let closed = false;
  const store: Store & { [STORE_THREADS]: StoreThreads } = {
    [STORE_THREADS]: { writer, readers, checkpointer },
    orgs: remote('orgs', call),
    keys: remote('keys', call),
    spans: remote('spans', call),
    customers: remote('customers', call),
    prompts: remote('prompts', call),
    models: remote('models', call),
    analytics: remote('analytics', call),
    async ping() {
      if (closed) return false;
      try {
        return await readers.ping();
      } catch {
        return false;
      }
    },
    async sizeBytes() {
      return fileBytes(opts.path) + fileBytes(`${opts.path}-wal`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await readers.close();
      await checkpointer.close();
      await writer.close();
      // The last connection out optimizes the planner's statistics.
      const last = openConnection(opts.path, connection);
      last.run('PRAGMA optimize');
      last.close(true);
    },
  };
  return store;
}
