/**
 * Copies the WAL into the database from a thread of its own (the store's
 * checkpoint thread), so the write thread's commits only append to the WAL:
 * a checkpoint on the write thread (SQLite's autocheckpoint, run by the
 * commit that crosses the size) cost about as much as the commit itself at
 * ingest, and it ran while every span of the next batch waited.
 *
 * SQLite copies frames no reader still needs (PASSIVE: it never blocks the
 * writer or a reader). The write thread keeps its own autocheckpoint at four
 * times this size, as a floor should this thread die.
 */
import type { Database } from 'bun:sqlite';
import { closeSync, openSync, readSync } from 'node:fs';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Frames in the WAL since it last started over, and how many of them are
 * copied, from the WAL-index header SQLite keeps in the -shm file (its
 * documented layout: mxFrame, a u32 at byte 16; nBackfill, a u32 at byte 96;
 * the machine's byte order). A hint for when to checkpoint; the checkpoint
 * itself is SQLite's.
 */
export function walFrames(shmPath: string): { written: number; copied: number } {
  let fd: number;
  try {
    fd = openSync(shmPath, 'r');
  } catch {
    return { written: 0, copied: 0 };
  }
  try {
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100) return { written: 0, copied: 0 };
    const u32 = (at: number) => (LITTLE_ENDIAN ? header.readUInt32LE(at) : header.readUInt32BE(at));
    return { written: u32(16), copied: u32(96) };
  } finally {
    closeSync(fd);
  }
}

export class WalCheckpoints {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly client: Database,
    private readonly dbPath: string,
  ) {}

  /**
   * Checks every `everyMs`. Once the WAL holds `pages` frames, copies what
   * waits at each check (PASSIVE). SQLite starts the WAL over only when the
   * writer begins a transaction with every frame copied, which a writer
   * committing batch after batch never does (its next batch begins as the
   * last commits): at twice `pages` a RESTART checkpoint holds the writer
   * for the few frames left, so the WAL stays near twice `pages` at most.
   */
  start(pages: number, everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      const f = walFrames(`${this.dbPath}-shm`);
      if (f.written >= 2 * pages) this.client.run('PRAGMA wal_checkpoint(RESTART)');
      else if (f.written >= pages && f.copied < f.written) this.client.run('PRAGMA wal_checkpoint(PASSIVE)');
    }, everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
