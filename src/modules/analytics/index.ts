/** `/analytics/*`: the aggregates behind the console's overview. */
import { Elysia } from 'elysia';
import { DATA_ACCESS, requireAuth } from '../../http/auth.ts';
import { scopeFrom } from '../../http/scope.ts';
import type { AnalyticsDimension } from '../../store/analytics-types.ts';
import type { KeyService } from '../keys/service.ts';
import { BreakdownQuery, BreakdownView, SummaryQuery, SummaryView, TimeseriesQuery, TimeseriesView } from './model.ts';
import type { AnalyticsService, AnalyticsWindow } from './service.ts';

type Query = Record<string, string | number | undefined>;

/** Format-checked by the query schema; parsed here. */
function windowOf(query: Query): AnalyticsWindow {
  const at = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : null);
  const customer = query.customer_identifier;
  return { from: at(query.start_time), to: at(query.end_time), customer: typeof customer === 'string' ? customer : null };
}

/** Scope parameters are strings on the wire; scopeFrom validates them. */
function scopeQuery(query: Query): Record<string, string | undefined> {
  return { is_test: query.is_test as string | undefined, all_envs: query.all_envs as string | undefined };
}

function dimensionOf(by: string): AnalyticsDimension {
  if (by.startsWith('metadata.')) return { kind: 'metadata', key: by.slice('metadata.'.length) };
  return { kind: by as 'model' | 'provider' | 'customer' | 'api_key' };
}

const PERCENTILES = "Latency percentiles are approximate: interpolated within a bin of the rollups' latency histogram.";

export function analyticsRoutes(keys: KeyService, analytics: AnalyticsService) {
  return new Elysia({ prefix: '/analytics', detail: { tags: ['Analytics'] } })
    .use(requireAuth(keys, DATA_ACCESS))
    .get('/summary', ({ principal, query }) => analytics.summary(scopeFrom(principal, scopeQuery(query)), windowOf(query)), {
      query: SummaryQuery,
      response: SummaryView,
      detail: { summary: 'Requests, errors, cost, tokens, latency and cache hits over a time range', description: PERCENTILES },
    })
    .get(
      '/timeseries',
      ({ principal, query }) =>
        analytics.timeseries(scopeFrom(principal, scopeQuery(query)), windowOf(query), query.bucket ?? null),
      {
        query: TimeseriesQuery,
        response: TimeseriesView,
        detail: { summary: 'The same figures per time bucket (15m, 1h or 1d), empty buckets included', description: PERCENTILES },
      },
    )
    .get(
      '/breakdown',
      ({ principal, query }) =>
        analytics.breakdown(
          scopeFrom(principal, scopeQuery(query)),
          windowOf(query),
          dimensionOf(query.by),
          query.order_by ?? 'requests',
          query.limit ?? 10,
        ),
      {
        query: BreakdownQuery,
        response: BreakdownView,
        detail: {
          summary: 'The same figures per model, provider, customer, API key or metadata value (top rows)',
          description: PERCENTILES,
        },
      },
    );
}
