/**
 * Metadata keys named in `rollups.metadata_keys` also get an index on the
 * spans table (an index on the expression that reads the key), so a list
 * filtered by such a key finds its rows instead of reading every span of
 * the window. The index is made when a key is added (once: on a large table
 * this takes a while at start) and dropped when it is removed.
 */
import type { Database } from 'bun:sqlite';

const PREFIX = 'spans_meta_';

export function metadataIndexName(key: string): string {
  return `${PREFIX}${Buffer.from(key).toString('hex')}`;
}

/** The key's path as a SQL literal: an expression index applies only to the same text, not to a bound parameter. */
export function metadataExpression(key: string): string {
  return `json_extract(metadata, '$."${key.replaceAll("'", "''")}"')`;
}

export function ensureMetadataIndexes(client: Database, keys: readonly string[]): void {
  const wanted = new Map(keys.map((k) => [metadataIndexName(k), k]));
  const existing = client
    .query<{ name: string }, [string]>("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ? || '%'")
    .all(PREFIX)
    .map((r) => r.name);
  for (const name of existing) if (!wanted.has(name)) client.run(`DROP INDEX ${name}`);
  let made = false;
  for (const [name, key] of wanted) {
    if (!existing.includes(name)) {
      client.run(`CREATE INDEX ${name} ON spans (org_id, environment, ${metadataExpression(key)}, timestamp)`);
      made = true;
    }
  }
  // A new index without statistics looks best to the planner for any query on its leading
  // columns (it picked one to find a trace's spans): measure it at once.
  if (made) {
    client.run('PRAGMA analysis_limit = 1000');
    client.run('ANALYZE spans');
  }
}
