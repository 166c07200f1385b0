/**
 * Retention in SQLite: old spans deleted and old bodies emptied in small
 * batches, each its own short transaction on the write thread, so span
 * batches and requests interleave with a purge instead of waiting for it.
 * Deleted pages go to SQLite's free list and new spans reuse them: under a
 * steady rate the file stops growing (docs/benchmarks.md, retention soak).
 *
 * Every delete goes through the (org, environment, timestamp) index, one
 * scope at a time: the scopes are read from rollup_buckets, which every
 * stored span has a row in. Bodies are emptied from a watermark per scope
 * upwards, so no span is read twice.
 */
import type { Database } from 'bun:sqlite';
import { minuteOf } from '../../lib/periods.ts';

/** Extra fields that hold a call's content, emptied with input and output. */
const BODY_FIELDS = ['$.full_request', '$.prompt_messages', '$.completion_message', '$.tools', '$.tool_choice'];

interface ScopeRow {
  org_id: string;
  environment: string;
}

export class SqliteRetention {
  constructor(private readonly client: Database) {}

  private scopes(): ScopeRow[] {
    return this.client.query<ScopeRow, []>('SELECT DISTINCT org_id, environment FROM rollup_buckets').all();
  }

  purge(before: number, limit: number): number {
    let left = limit;
    for (const s of this.scopes()) {
      if (left <= 0) break;
      left -= this.client
        .transaction((): number => {
          const n = this.client
            .query(
              `DELETE FROM spans WHERE id IN (SELECT id FROM spans INDEXED BY spans_org_env_time
                 WHERE org_id = ? AND environment = ? AND timestamp < ? ORDER BY timestamp LIMIT ?)`,
            )
            .run(s.org_id, s.environment, before, left).changes;
          // A trace or thread whose latest span is older has no span left; a minute row stands in for spans.
          this.client.query('DELETE FROM rollup_minutes WHERE org_id = ? AND environment = ? AND minute < ?').run(s.org_id, s.environment, minuteOf(before));
          this.client.query('DELETE FROM trace_rollups WHERE org_id = ? AND environment = ? AND end_time < ?').run(s.org_id, s.environment, before);
          this.client.query('DELETE FROM thread_rollups WHERE org_id = ? AND environment = ? AND end_time < ?').run(s.org_id, s.environment, before);
          return n;
        })
        .immediate();
    }
    return limit - left;
  }

  purgeBodies(before: number, limit: number): number {
    let left = limit;
    const strip = BODY_FIELDS.map(() => '?').join(', ');
    for (const s of this.scopes()) {
      if (left <= 0) break;
      left -= this.client
        .transaction((): number => {
          const mark = this.client
            .query<{ t: number; id: number }, [string, string]>(
              'SELECT bodies_before AS t, last_id AS id FROM retention_marks WHERE org_id = ? AND environment = ?',
            )
            .get(s.org_id, s.environment) ?? { t: 0, id: 0 };
          const ids = this.client
            .query<{ id: number; timestamp: number }, [string, string, number, number, number, number, number]>(
              `SELECT id, timestamp FROM spans INDEXED BY spans_org_env_time
               WHERE org_id = ? AND environment = ? AND timestamp >= ? AND timestamp < ?
                 AND NOT (timestamp = ? AND id <= ?)
               ORDER BY timestamp, id LIMIT ?`,
            )
            .all(s.org_id, s.environment, mark.t, before, mark.t, mark.id, left);
          if (ids.length === 0) return 0;
          const last = ids[ids.length - 1] as { id: number; timestamp: number };
          this.client
            .query(
              `UPDATE spans SET input = NULL, output = NULL,
                 extra = json_set(json_remove(extra, ${strip}), '$.body_purged', json('true'))
               WHERE id IN (SELECT value FROM json_each(?))`,
            )
            .run(...BODY_FIELDS, JSON.stringify(ids.map((r) => r.id)));
          this.client
            .query(
              `INSERT INTO retention_marks (org_id, environment, bodies_before, last_id) VALUES (?, ?, ?, ?)
               ON CONFLICT (org_id, environment) DO UPDATE SET bodies_before = excluded.bodies_before, last_id = excluded.last_id`,
            )
            .run(s.org_id, s.environment, last.timestamp, last.id);
          return ids.length;
        })
        .immediate();
    }
    return limit - left;
  }
}
