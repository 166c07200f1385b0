/**
 * Retention in PostgreSQL: a weekly partition wholly past the cutoff is
 * dropped (partitions.ts), the rest deleted in small batches through the
 * (org, environment, timestamp) index, one scope at a time (scopes read from
 * rollup_buckets, which every stored span has a row in). Bodies are emptied
 * from a watermark per scope upwards, so no span is read twice.
 */
import type { SQL } from 'bun';
import { minuteOf } from '../../lib/periods.ts';
import { num, transaction } from './connection.ts';
import type { Partitions } from './partitions.ts';

/** Extra fields that hold a call's content, emptied with input and output. */
const BODY_FIELDS = ['full_request', 'prompt_messages', 'completion_message', 'tools', 'tool_choice'];

interface ScopeRow {
  org_id: string;
  environment: string;
}

export class PgRetention {
  constructor(
    private readonly sql: SQL,
    private readonly partitions: Partitions,
  ) {}

  private scopes(): Promise<ScopeRow[]> {
    return this.sql.unsafe<ScopeRow[]>('SELECT DISTINCT org_id, environment FROM rollup_buckets');
  }

  async purge(before: number, limit: number): Promise<number> {
    const dropped = await this.partitions.dropBefore(before);
    if (dropped.partitions > 0) {
      // A trace or thread whose latest span is older has no span left; a minute row stands in for spans.
      await this.sql.unsafe('DELETE FROM rollup_minutes WHERE minute < $1', [minuteOf(before)]);
      await this.sql.unsafe('DELETE FROM trace_rollups WHERE end_time < $1', [before]);
      await this.sql.unsafe('DELETE FROM thread_rollups WHERE end_time < $1', [before]);
    }
    let left = limit;
    for (const s of await this.scopes()) {
      if (left <= 0) break;
      left -= await transaction(this.sql, async (tx) => {
        const gone = await tx.unsafe(
          `DELETE FROM spans WHERE (id, "timestamp") IN (
             SELECT id, "timestamp" FROM spans WHERE org_id = $1 AND environment = $2 AND "timestamp" < $3::int8
             ORDER BY "timestamp" LIMIT $4::int8)`,
          [s.org_id, s.environment, before, left],
        );
        await tx.unsafe('DELETE FROM rollup_minutes WHERE org_id = $1 AND environment = $2 AND minute < $3', [s.org_id, s.environment, minuteOf(before)]);
        await tx.unsafe('DELETE FROM trace_rollups WHERE org_id = $1 AND environment = $2 AND end_time < $3', [s.org_id, s.environment, before]);
        await tx.unsafe('DELETE FROM thread_rollups WHERE org_id = $1 AND environment = $2 AND end_time < $3', [s.org_id, s.environment, before]);
        return gone.count;
      });
    }
    return dropped.spans + limit - left;
  }

  async purgeBodies(before: number, limit: number): Promise<number> {
    let left = limit;
    for (const s of await this.scopes()) {
      if (left <= 0) break;
      left -= await transaction(this.sql, async (tx) => {
        const [mark] = await tx.unsafe<{ t: string; id: string }[]>(
          'SELECT bodies_before AS t, last_id AS id FROM retention_marks WHERE org_id = $1 AND environment = $2 FOR UPDATE',
          [s.org_id, s.environment],
        );
        const t = num(mark?.t ?? 0);
        const id = num(mark?.id ?? 0);
        const rows = await tx.unsafe<{ id: string; timestamp: string }[]>(
          `SELECT id, "timestamp" FROM spans
           WHERE org_id = $1 AND environment = $2 AND "timestamp" >= $3::int8 AND "timestamp" < $4::int8
             AND NOT ("timestamp" = $3::int8 AND id <= $5::int8)
           ORDER BY "timestamp", id LIMIT $6::int8`,
          [s.org_id, s.environment, t, before, id, left],
        );
        if (rows.length === 0) return 0;
        const last = rows[rows.length - 1] as { id: string; timestamp: string };
        await tx.unsafe(
          `UPDATE spans SET input = NULL, output = NULL, extra = (extra - $3::text[]) || '{"body_purged": true}'::jsonb
           WHERE org_id = $1 AND environment = $2 AND (id, "timestamp") IN (SELECT unnest($4::int8[]), unnest($5::int8[]))`,
          [s.org_id, s.environment, BODY_FIELDS, rows.map((r) => r.id), rows.map((r) => r.timestamp)],
        );
        await tx.unsafe(
          `INSERT INTO retention_marks (org_id, environment, bodies_before, last_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (org_id, environment) DO UPDATE SET bodies_before = excluded.bodies_before, last_id = excluded.last_id`,
          [s.org_id, s.environment, last.timestamp, last.id],
        );
        return rows.length;
      });
    }
    return limit - left;
  }
}
