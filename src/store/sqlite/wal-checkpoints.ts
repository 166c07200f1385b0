/**
 * Copies the WAL into the database from a thread of its own (the store's
 * checkpoint thread), so the write thread's commits only append to the WAL:
 * a checkpoint on the write thread (SQLite's autocheckpoint, run by the
 * commit that crosses the size) cost about as much as the commit itself at
 * ingest, and every span of the next batch waited for it.
 *
 * The WAL's size is read with stat() only: opening and closing the -wal or
 * -shm file in this process would drop the POSIX locks SQLite holds on them
 * (closing any descriptor of a file releases the process's locks on it),
 * and another gateway on the same file would then write at the same time.
 */
import type { Database } from 'bun:sqlite';
import { statSync } from 'node:fs';

export class WalCheckpoints {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly client: Database,
    private readonly dbPath: string,
  ) {}

  /**
   * Checks every `everyMs`. Once the WAL file holds `bytes`, copies what
   * waits at each check (PASSIVE: blocks neither the writer nor a reader).
   * SQLite starts the WAL over only when the writer begins a transaction with
   * every frame copied, which a writer committing batch after batch never does
   * (its next batch begins as the last commits): at twice `bytes` a TRUNCATE
   * checkpoint holds the writer for the few frames left and empties the file.
   */
  start(bytes: number, everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      try {
        const size = statSync(`${this.dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0;
        if (size >= 2 * bytes) this.client.run('PRAGMA wal_checkpoint(TRUNCATE)');
        else if (size >= bytes) this.client.run('PRAGMA wal_checkpoint(PASSIVE)');
      } catch {
        // A full disk or a busy file: the next check tries again (and the write thread's own
        // autocheckpoint still bounds the WAL). Thrown here, it would end this thread for good.
      }
    }, everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
