/**
 * Moving a deployment's records from one backend to another (`switchyard
 * migrate-store`): every record table, in an order that keeps references
 * whole, in batches, with each table's count checked at the end. A backend
 * reads or writes only its own tables (src/store/<backend>/transfer.ts); this
 * file knows table names and rows, never SQL.
 *
 * Rows move as they are stored, ids included, so usage figures, rollups and
 * retention marks stay consistent with the spans without being recomputed.
 * The shared state (rate windows, budget holds, the change log) is not moved:
 * it lives for minutes and starts afresh.
 */

/** Every record table, parents before the rows that name them. */
export const RECORD_TABLES = [
  'organizations',
  'api_keys',
  'prompts',
  'prompt_versions',
  'custom_models',
  'customers',
  'customer_usage',
  'customer_model_usage',
  'customer_days',
  'org_usage',
  'rollup_buckets',
  'rollup_minutes',
  'rollup_metadata_buckets',
  'trace_rollups',
  'thread_rollups',
  'retention_marks',
  'spans',
] as const;

export type RecordTable = (typeof RECORD_TABLES)[number];

/**
 * A row, column -> value as the source stores it: numbers, text and null;
 * a boolean may come as 0/1 and a JSON value as its text. The target stores
 * each as its own column's type says.
 */
export type TransferRow = Record<string, string | number | boolean | null>;

export interface TransferSource {
  /** Where the rows come from, for the progress lines (never a password). */
  readonly describe: string;
  count(table: RecordTable): Promise<number>;
  /** The table's rows in key order, about `batch` at a time. */
  rows(table: RecordTable, batch: number): AsyncIterable<TransferRow[]>;
  close(): Promise<void>;
}

export interface TransferTarget {
  readonly describe: string;
  count(table: RecordTable): Promise<number>;
  /** Stores the rows; a row whose key is already there stays as it is. Returns how many were new. */
  write(table: RecordTable, rows: TransferRow[]): Promise<number>;
  /** After the copy: generated ids continue after the highest one copied. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

export interface TransferOptions {
  /** Copy into a target that already holds records (rows already there are kept: a stopped copy can run again). */
  allowNonEmpty: boolean;
  /** Rows per batch. */
  batch: number;
  /** A progress line (at most one a second per table, and one when a table is done). */
  progress: (line: string) => void;
  /** Monotonic ms, for rates. */
  clock?: () => number;
}

export interface TableResult {
  table: RecordTable;
  /** Rows in the source. */
  source: number;
  /** Rows in the target before and after the copy. */
  before: number;
  after: number;
  /** Rows the copy added; the rest of the source's were there already. */
  copied: number;
  /**
   * Every source row was read and nothing else came in (after = before +
   * copied); into an empty target every row was copied, into a non-empty one
   * the rows not copied were there already (by key).
   */
  ok: boolean;
}

/** A source or target that cannot be used as named (no database there, a backend that cannot be one). */
export class TransferSetupError extends Error {}

/** The target holds records and the caller did not allow it. */
export class NonEmptyTargetError extends Error {
  constructor(readonly tables: { table: RecordTable; rows: number }[]) {
    super(
      `the target already holds records (${tables.map((t) => `${t.table}: ${t.rows}`).join(', ')}); ` +
        'copy into an empty database (no gateway started on it yet), or pass --allow-non-empty to add to it ' +
        '(rows already there are kept, so a stopped copy can run again)',
    );
  }
}

export async function transfer(source: TransferSource, target: TransferTarget, opts: TransferOptions): Promise<TableResult[]> {
  const clock = opts.clock ?? (() => performance.now());
  const before = new Map<RecordTable, number>();
  for (const table of RECORD_TABLES) before.set(table, await target.count(table));
  const held = RECORD_TABLES.map((table) => ({ table, rows: before.get(table) ?? 0 })).filter((t) => t.rows > 0);
  if (held.length > 0 && !opts.allowNonEmpty) throw new NonEmptyTargetError(held);

  const results: TableResult[] = [];
  for (const table of RECORD_TABLES) {
    const total = await source.count(table);
    const t0 = clock();
    let read = 0;
    let copied = 0;
    let shown = t0;
    let shownAt = -1;
    const line = () => {
      const s = (clock() - t0) / 1000;
      const pct = total > 0 ? ` (${Math.floor((read / total) * 100)}%)` : '';
      return `${table}: ${read.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows${pct}, ${Math.round(read / Math.max(s, 0.001)).toLocaleString('en-US')} rows/s`;
    };
    for await (const rows of source.rows(table, opts.batch)) {
      copied += await target.write(table, rows);
      read += rows.length;
      if (clock() - shown >= 1000) {
        shown = clock();
        shownAt = read;
        opts.progress(line());
      }
    }
    if (shownAt !== read) opts.progress(line());
    const was = before.get(table) ?? 0;
    const after = await target.count(table);
    const whole = was === 0 ? copied === total : after >= total;
    results.push({ table, source: total, before: was, after, copied, ok: read === total && after === was + copied && whole });
  }
  await target.finish();
  return results;
}
