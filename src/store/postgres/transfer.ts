/**
 * A PostgreSQL database as a transfer target (src/store/transfer.ts).
 * Opening applies the migrations. Rows go to the server as JSON text,
 * a few megabytes per statement, and json_populate_recordset gives each
 * value its column's type (a boolean from 0/1, jsonb parsed from the
 * source's JSON text); a row whose key is already there is skipped. Spans
 * get their week's partition before they arrive, so history does not pile
 * up in the default partition. Afterwards the id sequences move past the
 * highest id copied.
 */
import type { Logger } from '../../lib/log.ts';
import { RECORD_TABLES, type RecordTable, type TransferRow, type TransferTarget } from '../transfer.ts';
import { num } from './connection.ts';
import { openPostgresStore } from './index.ts';
import { weekStart } from './partitions.ts';
import { toJson } from './span-rows.ts';

/** JSON text per statement at most (a row larger than this goes alone). */
const CHUNK_BYTES = 8 * 1024 * 1024;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function openPostgresTarget(url: string, log: Logger): Promise<TransferTarget> {
  const store = await openPostgresStore({
    url,
    poolSize: 2,
    // A large batch of big spans may take a while; nothing else runs on this database now.
    statementTimeoutMs: 0,
    maxHeavyQueries: 1,
    settings: { metadataKeys: [] },
    now: Date.now,
    log,
  });
  const { sql, partitions } = store;
  const types = new Map<string, Map<string, string>>();
  for (const r of await sql.unsafe<{ t: string; c: string; type: string }[]>(
    `SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
    [RECORD_TABLES],
  )) {
    if (!types.has(r.t)) types.set(r.t, new Map());
    types.get(r.t)?.set(r.c, r.type);
  }
  const weeks = new Set(await partitions.list());

  /** The row with jsonb columns parsed (the source gives JSON as text), only the target's columns. */
  const shape = (table: RecordTable, row: TransferRow): Record<string, unknown> => {
    const cols = types.get(table);
    if (!cols) throw new Error(`the target has no table ${table}`);
    const out: Record<string, unknown> = {};
    for (const [c, type] of cols) {
      const v = row[c];
      if (v === undefined) continue;
      out[c] = type === 'jsonb' && typeof v === 'string' ? JSON.parse(v) : v;
    }
    return out;
  };

  const insert = async (table: RecordTable, json: string): Promise<number> => {
    const cols = [...(types.get(table)?.keys() ?? [])].map(quote).join(', ');
    const done = await sql.unsafe(
      `INSERT INTO ${quote(table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${quote(table)}, $1::text::json)
       ON CONFLICT DO NOTHING`,
      [json],
    );
    return done.count;
  };

  return {
    describe: `postgres (${new URL(url).host}${new URL(url).pathname})`,
    async count(table) {
      return num((await sql.unsafe<{ n: string }[]>(`SELECT count(*) AS n FROM ${quote(table)}`))[0]?.n ?? 0);
    },
    async write(table, rows) {
      if (table === 'spans') {
        for (const r of rows) {
          const week = weekStart(Number(r.timestamp));
          if (!weeks.has(week)) {
            await partitions.create(week);
            weeks.add(week);
          }
        }
      }
      let added = 0;
      let chunk: string[] = [];
      let bytes = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        added += await insert(table, `[${chunk.join(',')}]`);
        chunk = [];
        bytes = 0;
      };
      for (const row of rows) {
        const json = toJson(shape(table, row));
        if (bytes + json.length > CHUNK_BYTES) await flush();
        chunk.push(json);
        bytes += json.length;
      }
      await flush();
      return added;
    },
    async finish() {
      for (const table of RECORD_TABLES) {
        if (types.get(table)?.get('id') !== 'bigint') continue;
        await sql.unsafe(
          `SELECT setval(s::regclass, m) FROM (SELECT pg_get_serial_sequence($1, 'id') AS s, (SELECT max(id) FROM ${quote(table)}) AS m) x
           WHERE s IS NOT NULL AND m IS NOT NULL`,
          [table],
        );
      }
    },
    close: () => store.close(),
  };
}
