/**
 * A page of spans in SQLite: the window's matches counted (exact up to
 * COUNT_CAP) and one page read, with the access path chosen here rather than
 * by SQLite's planner.
 *
 * A list whose filters no index narrows walks the window's spans. It does so
 * once, slice by slice (span-slices.ts), so that a read cut by its time budget
 * stops within a slice: the slices give every match's id and sort key, and
 * when the matches are few (an exact count) the page is cut from them without
 * a second pass over the window.
 */
import type { Database } from 'bun:sqlite';
import type { TypedCondition } from '../../query/filters.ts';
import type { SpanPage, SpanQuery, StoredSpan } from '../types.ts';
import { IdentifierSearch } from './identifier-search.ts';
import { metadataIndexName } from './metadata-indexes.ts';
import { queryPlan } from './query-plan.ts';
import { type ColumnMap, compileFilters, compileSort, type Compiled, type MetadataSource, scopeWhere } from './span-query.ts';
import { rawRowToSpan, type RawSpanRow, type SqlValue } from './span-rows.ts';
import { SLICE_WHERE, sliceParams, spanSlices, walksWindow } from './span-slices.ts';

/** Span filters name columns as they are. */
const COLUMNS: ColumnMap = {};

/** `count` is exact up to this many matches; beyond it a list reports a lower bound. */
const COUNT_CAP = 10_000;

/** Sort fields with an index on (org_id, environment, field); the row id breaks ties inside it. */
const SORT_INDEXES: Partial<Record<string, string>> = {
  timestamp: 'spans_org_env_time',
  cost: 'spans_org_env_cost',
};

/** A list's WHERE, the index that finds its rows (if one is chosen), and its filters alone. */
type Where = Compiled & { index: string | null; filter: Compiled };

/** One match of a sliced walk: its row id and the value it sorts by. */
interface Match {
  id: number;
  k: SqlValue;
}

/** SQLite's order of values: NULL, then numbers, then text (binary). */
function sqlCompare(a: SqlValue, b: SqlValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : 1;
}

/**
 * A page past the cap from `found`, the page's rows (or ids) and, if one more
 * follows, that one. The count is a lower bound: the rows up to this page's
 * end (+1 if more follow); a page beyond the last match only proves more
 * than COUNT_CAP.
 */
function lowerBoundPage<T>(offset: number, pageSize: number, found: T[], spans: (page: T[]) => StoredSpan[]): SpanPage {
  const hasMore = found.length > pageSize;
  const page = found.slice(0, pageSize);
  const seen = page.length > 0 ? offset + page.length + (hasMore ? 1 : 0) : 0;
  return { count: Math.max(COUNT_CAP + 1, seen), countExact: false, hasMore, spans: spans(page) };
}

export class SqliteSpanLists {
  private readonly identifiers: IdentifierSearch;

  constructor(
    private readonly client: Database,
    private readonly metadataSource: MetadataSource,
  ) {
    this.identifiers = new IdentifierSearch(client);
  }

  list(q: SpanQuery): SpanPage {
    const w = this.where(q);
    const offset = (q.page - 1) * q.pageSize;
    const walks = this.walks(w);
    if (walks) {
      const walked = this.walk(q, w, COUNT_CAP + 1);
      if (walked.length <= COUNT_CAP) return this.exactPage(q, walked, offset);
      // Many matches, sorted on a field no index orders: the window is read whole in any case.
      if (q.sort.field !== 'id' && !this.sortIndex(q)) {
        const ids = this.top(q, w, offset + q.pageSize + 1).slice(offset).map((m) => m.id);
        return lowerBoundPage(offset, q.pageSize, ids, (page) => this.byId(page));
      }
    }
    // Counting stops after COUNT_CAP matches: an exact count of a wide window with
    // a filter no index covers reads every row of the window (7 days: 250+ ms).
    const counted = walks ? COUNT_CAP + 1 : this.count(w, COUNT_CAP + 1);
    if (counted <= COUNT_CAP) {
      // A page past the last match needs no second pass over the window.
      if (offset >= counted) return { count: counted, countExact: true, hasMore: false, spans: [] };
      const rows = this.pageRows(q, w, true, offset);
      const hasMore = rows.length > q.pageSize;
      return { count: counted, countExact: true, hasMore, spans: rows.slice(0, q.pageSize).map(rawRowToSpan) };
    }
    return lowerBoundPage(offset, q.pageSize, this.pageRows(q, w, false, offset), (page) => page.map(rawRowToSpan));
  }

  /** EXPLAIN QUERY PLAN of the count (or of one slice of the walk) and the page query of `list`, for scripts/bench-spans.ts. */
  explain(q: SpanQuery): string[] {
    const w = this.where(q);
    const plan = (sql: string, params: SqlValue[]) => queryPlan(this.client, sql, params).join(' | ');
    if (!this.walks(w)) {
      const fewMatches = this.count(w, COUNT_CAP + 1) <= COUNT_CAP;
      return [plan(this.countSql(w), [...w.params, COUNT_CAP + 1]), plan(this.plan(q, w, fewMatches), [...w.params, 1, 0])];
    }
    const whole = { environment: q.scope.environments[0] ?? 'prod', from: q.from, to: q.to };
    const slice = `slices: ${plan(this.sliceSql(q, w), [...sliceParams(q.scope.orgId, whole), ...w.filter.params, 1])}`;
    const fewMatches = this.walk(q, w, COUNT_CAP + 1).length <= COUNT_CAP;
    return [slice, fewMatches ? 'page: rows by id' : plan(this.plan(q, w, false), [...w.params, 1, 0])];
  }

  /**
   * WHERE of a window and its filters, and the index that finds its rows
   * when the filters name customers or threads by value (SQLite's planner
   * prefers walking the window's time index, reading every span in it).
   */
  private where(q: Pick<SpanQuery, 'scope' | 'from' | 'to' | 'filters'>): Where {
    const s = scopeWhere(q.scope);
    const filters = this.identifiers.resolve(q);
    const f = compileFilters(COLUMNS, filters, this.metadataSource);
    // An empty IN list (no identifier matched) finds nothing whatever the index: leave it to the planner.
    const equality = (c: TypedCondition) =>
      (c.operator === '' || c.operator === 'in') && c.values.length > 0 && !c.values.includes(null);
    const byValue = (field: string) => filters.some((c) => c.target === 'field' && c.field === field && equality(c));
    const meta = filters.find((c) => c.target === 'metadata' && this.metadataSource.indexed?.has(c.key) && equality(c));
    const index = byValue('customer_identifier')
      ? 'spans_org_env_customer_model_time'
      : byValue('thread_identifier')
        ? 'spans_org_thread'
        : meta?.target === 'metadata'
          ? metadataIndexName(meta.key)
          : null;
    return {
      sql: `${s.sql} AND timestamp >= ? AND timestamp <= ? AND ${f.sql}`,
      params: [...s.params, q.from, q.to, ...f.params],
      index,
      filter: f,
    };
  }

  private static from(index: string | null): string {
    return index ? `spans INDEXED BY ${index}` : 'spans';
  }

  private countSql(w: Where): string {
    return `SELECT count(*) AS n FROM (SELECT 1 FROM ${SqliteSpanLists.from(w.index)} WHERE ${w.sql} LIMIT ?)`;
  }

  /** Whether counting would walk the window's spans (no index narrows the filters). */
  private walks(w: Where): boolean {
    return w.index === null && walksWindow(this.client, this.countSql(w), [...w.params, COUNT_CAP + 1]);
  }

  /** Matches up to `limit`, through an index that narrows them. */
  private count(w: Where, limit: number): number {
    return this.client.query<{ n: number }, SqlValue[]>(this.countSql(w)).get(...w.params, limit)?.n ?? 0;
  }

  /** One slice's matches (id and sort key), in sort order if `sorted`, up to a bound. */
  private sliceSql(q: SpanQuery, w: Where, sorted = false): string {
    const key = COLUMNS[q.sort.field] ?? q.sort.field;
    const dir = q.sort.descending ? 'DESC' : 'ASC';
    return `SELECT id, ${key} AS k FROM spans WHERE ${SLICE_WHERE} AND ${w.filter.sql} ${sorted ? `ORDER BY k ${dir}, id ${dir} ` : ''}LIMIT ?`;
  }

  /** Up to `limit` matches of the window, slice by slice. */
  private walk(q: SpanQuery, w: Where, limit: number): Match[] {
    const slice = this.client.query<Match, SqlValue[]>(this.sliceSql(q, w));
    const matches: Match[] = [];
    for (const x of spanSlices(this.client, q.scope, q.from, q.to)) {
      for (const m of slice.all(...sliceParams(q.scope.orgId, x), ...w.filter.params, limit - matches.length)) matches.push(m);
      if (matches.length >= limit) break;
    }
    return matches;
  }

  /** The order of SQL's `ORDER BY <sort key> <dir>, id <dir>` over walked matches. */
  private static order(q: SpanQuery): (a: Match, b: Match) => number {
    const dir = q.sort.descending ? -1 : 1;
    return (a, b) => dir * (sqlCompare(a.k, b.k) || a.id - b.id);
  }

  /** The page of every match (an exact count): sorted as SQL would, then its rows read by id. */
  private exactPage(q: SpanQuery, matches: Match[], offset: number): SpanPage {
    const ids = matches.sort(SqliteSpanLists.order(q)).slice(offset, offset + q.pageSize).map((m) => m.id);
    return { count: matches.length, countExact: true, hasMore: offset + ids.length < matches.length, spans: this.byId(ids) };
  }

  /** The first `need` matches in sort order, slice by slice: each slice's own first `need`, merged. */
  private top(q: SpanQuery, w: Where, need: number): Match[] {
    const slice = this.client.query<Match, SqlValue[]>(this.sliceSql(q, w, true));
    const order = SqliteSpanLists.order(q);
    let best: Match[] = [];
    for (const x of spanSlices(this.client, q.scope, q.from, q.to)) {
      best = best.concat(slice.all(...sliceParams(q.scope.orgId, x), ...w.filter.params, need)).sort(order).slice(0, need);
    }
    return best;
  }

  /** Spans by row id, in the order of `ids`. */
  private byId(ids: number[]): StoredSpan[] {
    if (ids.length === 0) return [];
    const rows = this.client
      .query<RawSpanRow, number[]>(`SELECT * FROM spans WHERE id IN (${ids.map(() => '?').join(', ')})`)
      .all(...ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []).map(rawRowToSpan);
  }

  /** Up to a page and one more row of the page query (see `plan`). */
  private pageRows(q: SpanQuery, w: Where, fewMatches: boolean, offset: number): RawSpanRow[] {
    return this.client.query<RawSpanRow, SqlValue[]>(this.plan(q, w, fewMatches)).all(...w.params, q.pageSize + 1, offset);
  }

  private sortIndex(q: SpanQuery): string | undefined {
    return q.scope.environments.length === 1 ? SORT_INDEXES[q.sort.field] : undefined;
  }

  /**
   * WHERE and ORDER BY of a list page, with the access path chosen here rather
   * than by SQLite's planner, which tends to walk a sort index even for a narrow
   * window. Few matches (an exact count): read them through the filters' best
   * index and sort them (the sort terms get a unary + so no sort index is used).
   * Many matches: walk the sort's own index and stop after one page, since about
   * one row in (rows / matches) qualifies.
   */
  private plan(q: SpanQuery, where: Where, fewMatches: boolean): string {
    const w = where.sql;
    const order = compileSort(COLUMNS, q.sort, 'id');
    const sortIndex = this.sortIndex(q);
    if (!fewMatches && q.sort.field === 'id') return `SELECT * FROM spans NOT INDEXED WHERE ${w} ORDER BY ${order} LIMIT ? OFFSET ?`;
    if (!fewMatches && sortIndex) {
      return `SELECT * FROM spans INDEXED BY ${sortIndex} WHERE ${w} ORDER BY ${order} LIMIT ? OFFSET ?`;
    }
    // Only ids go through the sorter (whole rows made a 14k-match sort 50% slower), then
    // the page's rows are read by id. A time sort may use the window's index order as is.
    const sortTerms = q.sort.field === 'timestamp' ? order : order.split(', ').map((term) => `+${term}`).join(', ');
    return `SELECT * FROM spans WHERE id IN (SELECT id FROM ${SqliteSpanLists.from(where.index)} WHERE ${w} ORDER BY ${sortTerms} LIMIT ? OFFSET ?)
            ORDER BY ${order}`;
  }
}
