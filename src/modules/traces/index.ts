/** Traces and threads, assembled from spans. */
import { Elysia } from 'elysia';
import { NotFoundError } from '../../errors.ts';
import { requireAuth } from '../../http/auth.ts';
import { scopeFrom } from '../../http/scope.ts';
import type { Store } from '../../store/types.ts';
import type { KeyService, Principal } from '../keys/service.ts';
import { pageLinks, parseListParams } from '../logs/list-params.ts';
import { logView, spanTree, threadView, traceView } from '../logs/view.ts';

export const TRACE_SORT_FIELDS = [
  'start_time', 'end_time', 'duration', 'span_count', 'llm_call_count', 'error_count', 'total_prompt_tokens',
  'total_completion_tokens', 'total_tokens', 'total_cost', 'customer_identifier', 'name', 'trace_unique_id',
] as const;
const TRACE_FILTER_FIELDS = new Set<string>([...TRACE_SORT_FIELDS, 'environment']);

type Query = Record<string, string | undefined>;

export function traceRoutes(store: Store, keys: KeyService, now: () => number) {
  const listTraces = async (principal: Principal, query: Query, body: unknown, url: string) => {
    const params = parseListParams(query, body, {
      now: now(),
      defaultSort: '-start_time',
      sortFields: TRACE_SORT_FIELDS,
      shortcutFields: TRACE_FILTER_FIELDS,
      metadataShortcuts: false,
    });
    const r = await store.spans.listTraces({ scope: scopeFrom(principal, query), ...params });
    return { count: r.count, ...pageLinks(url, params.page, params.pageSize, r.count), results: r.traces.map(traceView) };
  };
  const listThreads = async (principal: Principal, query: Query, body: unknown, url: string) => {
    const params = parseListParams(query, body, {
      now: now(),
      defaultSort: '-start_time',
      sortFields: ['start_time'],
      shortcutFields: new Set(['thread_identifier', 'customer_identifier']),
      metadataShortcuts: false,
    });
    const r = await store.spans.listThreads({ scope: scopeFrom(principal, query), ...params });
    return { count: r.count, ...pageLinks(url, params.page, params.pageSize, r.count), results: r.threads.map(threadView) };
  };

  return new Elysia({ detail: { tags: ['Traces'] } })
    .use(requireAuth(keys))
    .post('/traces/list', ({ principal, query, body, request }) => listTraces(principal, query, body, request.url))
    .get('/traces/list', ({ principal, query, request }) => listTraces(principal, query, undefined, request.url))
    .get('/traces/:trace_unique_id', async ({ principal, query, params }) => {
      const scope = scopeFrom(principal, { ...query, all_envs: query.all_envs ?? 'true' });
      const spans = await store.spans.traceSpans(scope, params.trace_unique_id);
      if (spans.length === 0) throw new NotFoundError('Trace not found');
      const first = spans[0] as (typeof spans)[number];
      const summary = await store.spans.listTraces({
        scope: { orgId: principal.orgId, environments: [first.environment] },
        from: Math.min(...spans.map((s) => s.timestamp)),
        to: Math.max(...spans.map((s) => s.timestamp)),
        filters: [{ field: 'trace_unique_id', operator: '', values: [params.trace_unique_id] }],
        sort: { field: 'start_time', descending: false },
        page: 1,
        pageSize: 1,
      });
      const t = summary.traces[0];
      return { ...(t ? traceView(t) : {}), span_tree: spanTree(spans) };
    })
    .delete('/traces/:trace_unique_id', async ({ principal, query, params, set }) => {
      const scope = scopeFrom(principal, { ...query, all_envs: query.all_envs ?? 'true' });
      if ((await store.spans.deleteTrace(scope, params.trace_unique_id)) === 0) throw new NotFoundError('Trace not found');
      set.status = 204;
      return null;
    })
    .post('/log_threads', ({ principal, query, body, request }) => listThreads(principal, query, body, request.url))
    .get('/log_threads', ({ principal, query, request }) => listThreads(principal, query, undefined, request.url))
    .get('/log_threads/:thread_identifier', async ({ principal, query, params }) => {
      const spans = await store.spans.threadSpans(scopeFrom(principal, query), params.thread_identifier);
      if (spans.length === 0) throw new NotFoundError('Thread not found');
      return { thread_identifier: params.thread_identifier, count: spans.length, results: spans.map(logView) };
    });
}
