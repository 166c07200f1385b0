/** Logs (spans): ingest in both layouts, batch and trace arrays, OTLP, and list/get/patch/delete/summary. */
import { Elysia } from 'elysia';
import { BadRequestError } from '../../errors.ts';
import { DATA_ACCESS, requireAuth } from '../../http/auth.ts';
import { scopeFrom } from '../../http/scope.ts';
import type { Authenticator } from '../../principal.ts';
import { isObj } from './fields.ts';
import { type ListOptions, pageLinks, parseListParams } from './list-params.ts';
import { decodeOtlpProtobuf } from './otlp-decode.ts';
import type { IngestResult, LogService } from './service.ts';
import { createdView, logView } from './view.ts';
import { SPAN_FILTER_FIELDS } from '../../store/span-fields.ts';

export const LOG_SORT_FIELDS = [
  'id', 'timestamp', 'start_time', 'cost', 'latency', 'time_to_first_token', 'prompt_tokens', 'completion_tokens',
  'total_request_tokens', 'tokens_per_second',
] as const;

function listOptions(now: number): ListOptions {
  return {
    now,
    defaultSort: '-id',
    sortFields: LOG_SORT_FIELDS,
    shortcutFields: new Set(SPAN_FILTER_FIELDS),
    metadataShortcuts: true,
  };
}

/** The reference's trace-ingest answer; `unique_ids` (ours) lists the stored spans in input order. */
function ingestAnswer(r: IngestResult) {
  const traces = [...new Set(r.spans.map((s) => s.trace_unique_id).filter((t): t is string => t !== null))];
  return {
    status: 'ok',
    ingested_spans: r.spans.length,
    created_traces: traces.length,
    trace_ids: traces,
    unique_ids: r.spans.map((s) => s.unique_id),
    errors: r.errors,
  };
}

export function logRoutes(logs: LogService, auth: Authenticator, now: () => number) {
  const list = async (principal: Parameters<typeof scopeFrom>[0], query: Record<string, string | undefined>, body: unknown, url: string) => {
    const params = parseListParams(query, body, listOptions(now()));
    const page = await logs.list(scopeFrom(principal, query), params);
    return {
      count: page.count,
      // Past 10,000 matches the store stops counting; `count` is then a lower bound.
      ...(page.countExact ? {} : { count_exact: false }),
      ...pageLinks(url, params.page, params.pageSize, page.count, page.hasMore),
      results: page.spans.map(logView),
    };
  };
  const create = async (principal: Parameters<typeof scopeFrom>[0], body: unknown, set: { status?: number | string }) => {
    const { span, blocked } = await logs.create(principal, body);
    set.status = blocked ? 201 : 202;
    return blocked ? createdView(span) : { status: 'initialized', unique_id: span.unique_id };
  };
  const ingest = async (principal: Parameters<typeof scopeFrom>[0], body: unknown) =>
    ingestAnswer(await logs.ingestMany(principal, isObj(body) && Array.isArray(body.spans) ? body.spans : body, 'body'));

  return new Elysia({ detail: { tags: ['Logs'] } })
    // Lists and summaries sent as POST only read.
    .use(requireAuth(auth, { ...DATA_ACCESS, readPosts: /\/request-logs\/(list|summary)\/?$/ }))
    .post('/request-logs', ({ principal, body, set }) => create(principal, body, set))
    .post('/request-logs/create', ({ principal, body, set }) => create(principal, body, set))
    .post('/request-logs/batch/create', async ({ principal, body }) =>
      ingestAnswer(await logs.ingestMany(principal, isObj(body) ? body.logs : undefined, 'logs')),
    )
    .post('/v1/traces/ingest', ({ principal, body }) => ingest(principal, body))
    .post('/traces/ingest', ({ principal, body }) => ingest(principal, body))
    .post('/integrations/v1/traces/ingest', ({ principal, body }) => ingest(principal, body))
    .post(
      '/v1/traces',
      async ({ principal, request }) => {
        const type = (request.headers.get('content-type') ?? '').toLowerCase();
        const bytes = new Uint8Array(await request.arrayBuffer());
        const proto = type.includes('protobuf');
        let payload: unknown;
        if (proto) payload = decodeOtlpProtobuf(bytes);
        else {
          try {
            payload = JSON.parse(new TextDecoder().decode(bytes));
          } catch {
            throw new BadRequestError('Malformed OTLP/JSON body: expected valid JSON', 'body');
          }
        }
        if (!isObj(payload)) throw new BadRequestError('An OTLP export request is a JSON object', 'body');
        const result = await logs.ingestOtlp(principal, payload);
        const rejected = result.errors.length;
        const partial = rejected
          ? { partialSuccess: { rejectedSpans: rejected, errorMessage: JSON.stringify(result.errors.slice(0, 10)) } }
          : {};
        // An empty ExportTraceServiceResponse is zero bytes in protobuf.
        if (proto && !rejected) return new Response(new Uint8Array(0), { headers: { 'content-type': 'application/x-protobuf' } });
        return partial;
      },
      { parse: 'none' },
    )
    .post('/request-logs/list', ({ principal, query, body, request }) => list(principal, query, body, request.url))
    .get('/request-logs/list', ({ principal, query, request }) => list(principal, query, undefined, request.url))
    .post('/request-logs/summary', async ({ principal, query, body }) => {
      const params = parseListParams(query, body, listOptions(now()));
      return logs.summary(scopeFrom(principal, query), params);
    })
    .patch('/request-logs/batch-update', ({ principal, body }) => logs.batchUpdate(principal.orgId, body))
    .get('/request-logs/:unique_id', async ({ principal, params }) => logView(await logs.get(principal.orgId, params.unique_id)))
    .patch('/request-logs/:unique_id', async ({ principal, params, body }) =>
      logView(await logs.patch(principal.orgId, params.unique_id, body)),
    )
    .delete('/request-logs/:unique_id', async ({ principal, params, set }) => {
      await logs.delete(principal.orgId, params.unique_id);
      set.status = 204;
      return null;
    });
}
