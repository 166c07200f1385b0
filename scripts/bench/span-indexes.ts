/**
 * Builds a large store for the query benchmarks faster than its indexes
 * allow: `drop` saves the spans table's secondary indexes (all but the unique
 * id, which ingest needs, and a primary key) to a file and drops them; `create` builds them again
 * from that file (a sort per index instead of a random page write per span).
 * Run each with no gateway on the store. On PostgreSQL an index of the
 * partitioned table covers every partition.
 *
 *   bun scripts/bench/span-indexes.ts drop|create|count DATA_DIR/switchyard.db          (saved beside it)
 *   bun scripts/bench/span-indexes.ts drop|create|count postgres://... SAVED_FILE.json
 */
import { Database } from 'bun:sqlite';
import { SQL } from 'bun';

const [mode, target, savedArg] = process.argv.slice(2);
const pg = target?.startsWith('postgres');
if (!target || !['drop', 'create', 'count'].includes(mode ?? '') || (pg && !savedArg)) {
  console.error('usage: span-indexes.ts drop|create|count PATH_TO/switchyard.db | postgres://URL SAVED_FILE.json');
  process.exit(2);
}
const saved = savedArg ?? `${target}.indexes.json`;
interface Index {
  name: string;
  sql: string;
}

/** The store's statements: SQLite's, or PostgreSQL's over Bun's client. */
interface Db {
  all<T>(sql: string): Promise<T[]>;
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}
function open(): Db {
  if (pg) {
    const sql = new SQL(target as string);
    return {
      all: async <T>(q: string) => (await sql.unsafe(q)) as T[],
      run: async (q) => void (await sql.unsafe(q)),
      close: () => sql.close(),
    };
  }
  const db = new Database(target as string);
  return {
    all: async <T>(q: string) => db.query(q).all() as T[],
    run: async (q) => void db.run(q),
    close: async () => db.close(),
  };
}
const db = open();
const SECONDARY = pg
  ? "SELECT indexname AS name, indexdef AS sql FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'spans' AND indexname <> 'spans_unique_id' AND indexname NOT IN (SELECT conname FROM pg_constraint)"
  : "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'spans' AND type = 'index' AND sql IS NOT NULL AND name <> 'spans_unique_id'";

if (mode === 'drop') {
  const rows = await db.all<Index>(SECONDARY);
  await Bun.write(saved, JSON.stringify(rows));
  for (const r of rows) await db.run(`DROP INDEX ${r.name}`);
  console.log(`dropped ${rows.map((r) => r.name).join(', ')}; saved to ${saved}`);
} else if (mode === 'create') {
  const rows = (await Bun.file(saved).json()) as Index[];
  const present = new Set((await db.all<{ name: string }>(SECONDARY)).map((r) => r.name));
  // A gateway started on the store makes its configured metadata indexes again by itself.
  for (const r of rows.filter((x) => !present.has(x.name))) {
    const t = performance.now();
    // pg_indexes writes a partitioned table's index as `ON ONLY`, which would build it for no partition.
    await db.run(r.sql.replace(' ON ONLY ', ' ON '));
    console.log(`${r.name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} else {
  console.log((await db.all<{ n: number }>('SELECT count(*) AS n FROM spans'))[0]?.n);
}
await db.close();
