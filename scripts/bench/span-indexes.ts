/**
 * Builds a large SQLite store for the query benchmarks faster than its
 * indexes allow: `drop` saves the spans table's secondary indexes (all but
 * the unique id, which ingest needs) beside the database and drops them;
 * `create` builds them again from that file (a sort per index instead of a
 * random page write per span). Run each with no gateway on the folder.
 *
 *   bun scripts/bench/span-indexes.ts drop|create|count DATA_DIR/switchyard.db
 */
import { Database } from 'bun:sqlite';

const [mode, path] = process.argv.slice(2);
if (!path || !['drop', 'create', 'count'].includes(mode ?? '')) {
  console.error('usage: span-indexes.ts drop|create|count PATH_TO/switchyard.db');
  process.exit(2);
}
const saved = `${path}.indexes.json`;
const db = new Database(path);
interface Index {
  name: string;
  sql: string;
}
if (mode === 'drop') {
  const rows = db
    .query<Index, []>("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'spans' AND type = 'index' AND sql IS NOT NULL AND name <> 'spans_unique_id'")
    .all();
  await Bun.write(saved, JSON.stringify(rows));
  for (const r of rows) db.run(`DROP INDEX ${r.name}`);
  console.log(`dropped ${rows.map((r) => r.name).join(', ')}; saved to ${saved}`);
} else if (mode === 'create') {
  const rows = (await Bun.file(saved).json()) as Index[];
  const present = new Set(db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index'").all().map((r) => r.name));
  // A gateway started on the folder makes its configured metadata indexes again by itself.
  for (const r of rows.filter((x) => !present.has(x.name))) {
    const t = performance.now();
    db.run(r.sql);
    console.log(`${r.name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} else {
  console.log(db.query<{ n: number }, []>('SELECT count(*) AS n FROM spans').get()?.n);
}
db.close();
