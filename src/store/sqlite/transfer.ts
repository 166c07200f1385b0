/**
 * A data folder's records as a transfer source (src/store/transfer.ts). The
 * file is first brought to the current schema (as a gateway's start would),
 * then read on a read-only connection of its own, each table in primary-key
 * order, a page at a time (keyset paging: no OFFSET that rereads what it
 * skips). Stop the gateways on the folder first, so the copy is of one moment.
 */
import { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type RecordTable, type TransferRow, TransferSetupError, type TransferSource } from '../transfer.ts';
import { openSqliteStore } from './index.ts';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The table's primary-key columns, in key order. */
function keyColumns(db: Database, table: RecordTable): string[] {
  const cols = db.query<{ name: string; pk: number }, []>(`PRAGMA table_info(${quote(table)})`).all();
  const key = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  if (key.length === 0) throw new Error(`table ${table} has no primary key to page by`);
  return key.map((c) => c.name);
}

/** The folder's database file (a folder, or the file itself). */
export function sqliteFile(from: string): string {
  return from.endsWith('.db') ? from : join(from, 'switchyard.db');
}

export async function openSqliteSource(from: string): Promise<TransferSource> {
  const path = sqliteFile(from);
  if (!existsSync(path)) throw new TransferSetupError(`no SQLite database at ${path}`);
  await (openSqliteStore({ path, readers: 1 })).close();
  const db = new Database(path, { readonly: true });
  return {
    describe: `sqlite (${path})`,
    async count(table) {
      return db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${quote(table)}`).get()?.n ?? 0;
    },
    async *rows(table, batch) {
      const key = keyColumns(db, table);
      const order = key.map(quote).join(', ');
      const first = db.query<TransferRow, [number]>(`SELECT * FROM ${quote(table)} ORDER BY ${order} LIMIT ?`);
      const next = db.query<TransferRow, (string | number | boolean | null)[]>(
        `SELECT * FROM ${quote(table)} WHERE (${order}) > (${key.map(() => '?').join(', ')}) ORDER BY ${order} LIMIT ?`,
      );
      let page = first.all(batch);
      while (page.length > 0) {
        yield page;
        if (page.length < batch) return;
        const last = page[page.length - 1] as TransferRow;
        page = next.all(...key.map((k) => last[k] ?? null), batch);
      }
    },
    async close() {
      db.close();
    },
  };
}
