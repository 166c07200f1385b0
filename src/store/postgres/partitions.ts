/**
 * The spans table's partitions: one per week (Monday 00:00 UTC to the next),
 * named spans_pYYYYMMDD by their first day. The gateway creates the current
 * week's and the next ones ahead of time; a span outside them (late or
 * early) waits in spans_default until its week's partition is made, which
 * moves it there. Retention drops a partition once all of it is past the
 * cutoff, which costs nothing like deleting its rows.
 *
 * Creating or dropping a partition locks the parent table briefly; with
 * lock_timeout a busy moment fails fast and the next tick tries again.
 */
import type { SQL } from 'bun';
import { DAY_MS } from '../../lib/periods.ts';
import { num } from './connection.ts';

export const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05, the first Monday after the epoch. */
const MONDAY = 4 * DAY_MS;
/** Weeks created beyond the current one. */
const AHEAD = 2;
/** One advisory lock key for partition changes, shared by every gateway on the database. */
const PARTITION_LOCK = 0x5359_5041;
const NAME = /^spans_p(\d{4})(\d{2})(\d{2})$/;

export function weekStart(ms: number): number {
  return Math.floor((ms - MONDAY) / WEEK_MS) * WEEK_MS + MONDAY;
}

export function partitionName(start: number): string {
  return `spans_p${new Date(start).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function startOf(name: string): number | null {
  const m = NAME.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

export class Partitions {
  constructor(private readonly sql: SQL) {}

  /** First days of the weekly partitions that exist, oldest first. */
  async list(): Promise<number[]> {
    const rows = await this.sql.unsafe<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'spans'::regclass`,
    );
    return rows
      .map((r) => startOf(r.name))
      .filter((s): s is number => s !== null)
      .sort((a, b) => a - b);
  }

  /** The partitions of the week of `now`, the one before and AHEAD after; returns those it made. */
  async ensure(now: number): Promise<number> {
    const have = new Set(await this.list());
    const first = weekStart(now) - WEEK_MS;
    let made = 0;
    for (let w = first; w <= first + (AHEAD + 1) * WEEK_MS; w += WEEK_MS) {
      if (!have.has(w) && (await this.create(w))) made++;
    }
    return made;
  }

  /** Makes the week's partition, moving any of its spans out of the default partition. */
  async create(start: number): Promise<boolean> {
    const name = partitionName(start);
    const end = start + WEEK_MS;
    return (await this.sql.begin(async (tx) => {
      await tx.unsafe("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '2s'");
      await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      const exists = await tx.unsafe<{ n: string }[]>('SELECT count(*) AS n FROM pg_class WHERE relname = $1 AND relkind = $2 AND pg_table_is_visible(oid)', [name, 'r']);
      if (num(exists[0]?.n) > 0) return false;
      const range = `"timestamp" >= ${start} AND "timestamp" < ${end}`;
      const early = await tx.unsafe(`SELECT 1 FROM spans_default WHERE ${range} LIMIT 1`);
      if (early.length > 0) {
        // Rows in the range would make the new partition's bounds overlap the default's.
        await tx.unsafe('CREATE TEMP TABLE spans_moving (LIKE spans) ON COMMIT DROP');
        await tx.unsafe(`WITH d AS (DELETE FROM spans_default WHERE ${range} RETURNING *) INSERT INTO spans_moving SELECT * FROM d`);
      }
      await tx.unsafe(`CREATE TABLE ${name} PARTITION OF spans FOR VALUES FROM (${start}) TO (${end})`);
      if (early.length > 0) await tx.unsafe('INSERT INTO spans SELECT * FROM spans_moving');
      return true;
    })) as boolean;
  }

  /** Drops the partitions that end at or before `before`; returns how many spans went with them. */
  async dropBefore(before: number): Promise<{ spans: number; partitions: number }> {
    let spans = 0;
    let partitions = 0;
    for (const start of await this.list()) {
      if (start + WEEK_MS > before) break;
      spans += (await this.sql.begin(async (tx) => {
        await tx.unsafe("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '2s'");
        await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
        const name = partitionName(start);
        const gone = await tx.unsafe<{ n: string }[]>(
          `SELECT count(*) AS n FROM pg_class WHERE relname = $1 AND relkind = 'r' AND pg_table_is_visible(oid)`,
          [name],
        );
        if (num(gone[0]?.n) === 0) return 0;
        const n = num((await tx.unsafe<{ n: string }[]>(`SELECT count(*) AS n FROM ${name}`))[0]?.n);
        await tx.unsafe(`DROP TABLE ${name}`);
        return n;
      })) as number;
      partitions++;
    }
    return { spans, partitions };
  }
}
