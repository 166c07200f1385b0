/**
 * Opens one SQLite connection with the gateway's settings. The store's main
 * connection and the span write thread's connection both come from here, so
 * they agree on every pragma.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ConnectionOptions {
  /**
   * Read pages through a memory map. Every page a mapped connection touches
   * stays in the process's RSS as file pages, so the span write thread, whose
   * inserts walk the indexes of a growing file, reads through its page cache
   * instead.
   */
  mmap: boolean;
}

export function openConnection(path: string, { mmap }: ConnectionOptions = { mmap: true }): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path, { create: true, strict: true });
  // WAL lets readers run while the span writer commits; NORMAL sync is durable
  // across process crashes, which is what a gateway's log needs.
  client.run('PRAGMA journal_mode = WAL');
  client.run('PRAGMA synchronous = NORMAL');
  client.run('PRAGMA foreign_keys = ON');
  // Two connections write (the API's and the span thread's): wait for the lock, never fail on it.
  client.run('PRAGMA busy_timeout = 5000');
  client.run('PRAGMA temp_store = MEMORY');
  // 16 MiB of page cache per connection: enough for the hot index pages, and it
  // keeps the gateway's resident memory within its budget under load.
  client.run('PRAGMA cache_size = -16384');
  // Reads through a memory map skip a copy and a syscall per page: wide list
  // windows run about twice as fast (docs/benchmarks.md). Address space only.
  if (mmap && path !== ':memory:') client.run('PRAGMA mmap_size = 1073741824');
  // Checkpoint every ~40 MiB of WAL instead of 4 MiB: each checkpoint fsyncs and
  // rewrites the hot index pages, so fewer of them lift batch inserts by ~25%.
  client.run('PRAGMA wal_autocheckpoint = 10000');
  return client;
}
