/** Traces and threads: reads of spans grouped by trace or thread, with filters typed before the store sees them. */
import { NotFoundError } from '../../errors.ts';
import { TRACE_CATALOG, THREAD_CATALOG } from '../../query/catalogs.ts';
import { typeFilters, typeSort } from '../../query/filters.ts';
import type { Scope, Store } from '../../store/types.ts';
import type { ListParams } from '../logs/list-params.ts';

export class TraceService {
  constructor(private readonly store: Store) {}

  listTraces(scope: Scope, p: ListParams) {
    return this.store.spans.listTraces({
      scope,
      from: p.from,
      to: p.to,
      filters: typeFilters(TRACE_CATALOG, p.filters),
      sort: typeSort(TRACE_CATALOG, p.sort),
      page: p.page,
      pageSize: p.pageSize,
    });
  }

  /** A trace's spans and its summary; 404 when the scope has none. */
  async trace(orgId: string, scope: Scope, traceId: string) {
    const spans = await this.store.spans.traceSpans(scope, traceId);
    const first = spans[0];
    if (!first) throw new NotFoundError('Trace not found');
    let from = first.timestamp;
    let to = first.timestamp;
    for (const s of spans) {
      from = Math.min(from, s.timestamp);
      to = Math.max(to, s.timestamp);
    }
    const summary = await this.store.spans.listTraces({
      scope: { orgId, environments: [first.environment] },
      from,
      to,
      filters: typeFilters(TRACE_CATALOG, [{ field: 'trace_unique_id', operator: '', values: [traceId] }]),
      sort: { field: 'start_time', descending: false },
      page: 1,
      pageSize: 1,
    });
    return { spans, summary: summary.traces[0] ?? null };
  }

  async deleteTrace(scope: Scope, traceId: string): Promise<void> {
    if ((await this.store.spans.deleteTrace(scope, traceId)) === 0) throw new NotFoundError('Trace not found');
  }

  listThreads(scope: Scope, p: ListParams) {
    return this.store.spans.listThreads({
      scope,
      from: p.from,
      to: p.to,
      filters: typeFilters(THREAD_CATALOG, p.filters),
      page: p.page,
      pageSize: p.pageSize,
    });
  }

  async thread(scope: Scope, threadId: string) {
    const spans = await this.store.spans.threadSpans(scope, threadId);
    if (spans.length === 0) throw new NotFoundError('Thread not found');
    return spans;
  }
}
