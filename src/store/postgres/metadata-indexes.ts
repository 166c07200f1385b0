/**
 * Metadata keys named in `rollups.metadata_keys` get an index on the spans
 * table in PostgreSQL too (SQLite: ../sqlite/metadata-indexes.ts): an index
 * on the expression that reads the key, so a list filtered by such a key
 * finds its rows instead of reading every span of the window. Made at start
 * when a key is added (on the partitioned table, so every partition, present
 * and future, has it), dropped when it is removed; under the migration lock,
 * so gateways starting together make it once.
 */
import { createHash } from 'node:crypto';
import type { SQL } from 'bun';
import { underMigrationLock } from './migrate.ts';

const PREFIX = 'spans_meta_';

/** A name within PostgreSQL's 63 characters whatever the key's length (a longer one would be cut, and never found again). */
export function metadataIndexName(key: string): string {
  return `${PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** The key as a SQL literal: an expression index applies only to the same expression, not to a bound parameter. */
export function keyLiteral(key: string): string {
  return `'${key.replaceAll("'", "''")}'`;
}

function metadataExpression(key: string): string {
  return `(metadata ->> ${keyLiteral(key)})`;
}

export async function ensureMetadataIndexes(sql: SQL, keys: readonly string[]): Promise<void> {
  await underMigrationLock(sql, async (conn) => {
    const existing = (
      await conn.unsafe<{ name: string }[]>(
        `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'spans' AND starts_with(indexname, $1)`,
        [PREFIX],
      )
    ).map((r) => r.name);
    const wanted = new Map(keys.map((k) => [metadataIndexName(k), k]));
    for (const name of existing) if (!wanted.has(name)) await conn.unsafe(`DROP INDEX ${name}`);
    let made = false;
    for (const [name, key] of wanted) {
      if (existing.includes(name)) continue;
      await conn.unsafe(`CREATE INDEX ${name} ON spans (org_id, environment, ${metadataExpression(key)}, "timestamp")`);
      made = true;
    }
    // The planner's statistics of the new expression come from ANALYZE (autovacuum may be off).
    if (made) await conn.unsafe('ANALYZE spans');
  });
}
