/**
 * Opens one SQLite connection with the gateway's settings. Every connection
 * of the store (the write thread's, each reader's, the shared-state file's)
 * comes from here, so they agree on every pragma.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ConnectionOptions {
  /** Page cache of this connection, MiB. */
  cacheMb: number;
  /**
   * Memory map, MiB (0: none). Pages a mapped connection touches count in the
   * process's RSS (and a container's memory limit) as file pages, so it is off
   * unless an operator sizes it (store.mmap_mb).
   */
  mmapMb: number;
  /** A reader: refuses writes (PRAGMA query_only; a read-only open would trip over WAL's shared memory file). */
  readonly?: boolean;
  /** A ceiling on the file's size, MiB: past it writes fail as on a full disk (store.max_db_mb). */
  maxDbMb?: number | null;
  /** FULL: every commit reaches the disk before it returns (survives power loss); NORMAL: survives a process crash. */
  synchronous?: 'normal' | 'full';
  /** Page size, bytes, of a NEW database file (an existing file keeps its own). Default: SQLite's, 4096. */
  pageSize?: number;
  /**
   * WAL size, MiB, past which a commit of this connection copies the WAL into
   * the database (wal_autocheckpoint). Default: DEFAULT_CHECKPOINT_MB.
   */
  checkpointMb?: number;
}

export const DEFAULT_CONNECTION: ConnectionOptions = { cacheMb: 16, mmapMb: 0 };

/** ~10,000 pages of 4 KiB: each checkpoint fsyncs and rewrites the hot index pages, so fewer lift batch inserts. */
export const DEFAULT_CHECKPOINT_MB = 40;

export function openConnection(path: string, opts: ConnectionOptions = DEFAULT_CONNECTION): Database {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path, { create: true, strict: true });
  // Several connections and processes write: wait for the lock, never fail on it. First,
  // so that switching a new file to WAL while another process does the same waits too.
  client.run('PRAGMA busy_timeout = 5000');
  // Before anything writes the file's header: SQLite ignores it on a file that has pages.
  if (opts.pageSize) client.run(`PRAGMA page_size = ${opts.pageSize}`);
  // WAL lets readers run while a writer commits. NORMAL: a commit is in the WAL
  // file (the OS's) before it returns, so it survives a crash of the process;
  // FULL also waits for the disk, so it survives a power loss (docs/limits.md).
  client.run('PRAGMA journal_mode = WAL');
  client.run(`PRAGMA synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  client.run('PRAGMA foreign_keys = ON');
  client.run('PRAGMA temp_store = MEMORY');
  client.run(`PRAGMA cache_size = -${Math.max(1, Math.round(opts.cacheMb * 1024))}`);
  if (!memory) client.run(`PRAGMA mmap_size = ${Math.max(0, Math.round(opts.mmapMb * 1024 * 1024))}`);
  const pageSize = client.query<{ page_size: number }, []>('PRAGMA page_size').get()?.page_size ?? 4096;
  const checkpointPages = Math.max(1, Math.floor(((opts.checkpointMb ?? DEFAULT_CHECKPOINT_MB) * 1024 * 1024) / pageSize));
  client.run(`PRAGMA wal_autocheckpoint = ${checkpointPages}`);
  if (opts.readonly) client.run('PRAGMA query_only = 1');
  if (opts.maxDbMb) {
    client.run(`PRAGMA max_page_count = ${Math.max(1, Math.floor((opts.maxDbMb * 1024 * 1024) / pageSize))}`);
  }
  return client;
}
