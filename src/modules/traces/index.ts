/** Traces and threads, assembled from spans (thin: logic in service.ts). */
import { Elysia } from 'elysia';
import { DATA_ACCESS, requireAuth } from '../../http/auth.ts';
import { scopeFrom } from '../../http/scope.ts';
import type { Authenticator, Principal } from '../../principal.ts';
import { pageLinks, parseListParams } from '../logs/list-params.ts';
import { logView, spanTree, threadView, traceView } from '../logs/view.ts';
import type { TraceService } from './service.ts';

export const TRACE_SORT_FIELDS = [
  'start_time', 'end_time', 'duration', 'span_count', 'llm_call_count', 'error_count', 'total_prompt_tokens',
  'total_completion_tokens', 'total_tokens', 'total_cost', 'customer_identifier', 'name', 'trace_unique_id',
] as const;
const TRACE_FILTER_FIELDS = new Set<string>([...TRACE_SORT_FIELDS, 'environment']);

type Query = Record<string, string | undefined>;

export function traceRoutes(traces: TraceService, auth: Authenticator, now: () => number) {
  const listTraces = async (principal: Principal, query: Query, body: unknown, url: string) => {
    const params = parseListParams(query, body, {
      now: now(),
      defaultSort: '-start_time',
      sortFields: TRACE_SORT_FIELDS,
      shortcutFields: TRACE_FILTER_FIELDS,
      metadataShortcuts: false,
    });
    const r = await traces.listTraces(scopeFrom(principal, query), params);
    return {
      count: r.count,
      ...(r.countExact ? {} : { count_exact: false }),
      ...pageLinks(url, params.page, params.pageSize, r.count),
      results: r.traces.map(traceView),
    };
  };
  const listThreads = async (principal: Principal, query: Query, body: unknown, url: string) => {
    const params = parseListParams(query, body, {
      now: now(),
      defaultSort: '-start_time',
      sortFields: ['start_time'],
      shortcutFields: new Set(['thread_identifier', 'customer_identifier']),
      metadataShortcuts: false,
    });
    const r = await traces.listThreads(scopeFrom(principal, query), params);
    return {
      count: r.count,
      ...(r.countExact ? {} : { count_exact: false }),
      ...pageLinks(url, params.page, params.pageSize, r.count),
      results: r.threads.map(threadView),
    };
  };

  return new Elysia({ detail: { tags: ['Traces'] } })
    // Trace and thread lists sent as POST only read.
    .use(requireAuth(auth, { ...DATA_ACCESS, readPosts: /\/(traces\/list|log_threads)\/?$/ }))
    .post('/traces/list', ({ principal, query, body, request }) => listTraces(principal, query, body, request.url))
    .get('/traces/list', ({ principal, query, request }) => listTraces(principal, query, undefined, request.url))
    .get('/traces/:trace_unique_id', async ({ principal, query, params }) => {
      const scope = scopeFrom(principal, { ...query, all_envs: query.all_envs ?? 'true' });
      const { spans, summary } = await traces.trace(principal.orgId, scope, params.trace_unique_id);
      return { ...(summary ? traceView(summary) : {}), span_tree: spanTree(spans) };
    })
    .delete('/traces/:trace_unique_id', async ({ principal, query, params, set }) => {
      const scope = scopeFrom(principal, { ...query, all_envs: query.all_envs ?? 'true' });
      await traces.deleteTrace(scope, params.trace_unique_id);
      set.status = 204;
      return null;
    })
    .post('/log_threads', ({ principal, query, body, request }) => listThreads(principal, query, body, request.url))
    .get('/log_threads', ({ principal, query, request }) => listThreads(principal, query, undefined, request.url))
    .get('/log_threads/:thread_identifier', async ({ principal, query, params }) => {
      const spans = await traces.thread(scopeFrom(principal, query), params.thread_identifier);
      return { thread_identifier: params.thread_identifier, count: spans.length, results: spans.map(logView) };
    });
}
