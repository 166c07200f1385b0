/**
 * GET /metrics: on the app (the listen port), or on a port of its own
 * (`metrics.port`) through a bare handler that needs no app.
 */
import { Elysia } from 'elysia';
import { extractKey } from '../../http/auth.ts';
import { errorResponse, toGatewayError } from '../../http/errors.ts';
import { EXPOSITION_CONTENT_TYPE } from '../../lib/prometheus.ts';
import type { Logger } from '../../lib/log.ts';
import { NotFoundError } from '../../errors.ts';
import type { MetricsService } from './service.ts';

const exposition = (text: string) => new Response(text, { headers: { 'content-type': EXPOSITION_CONTENT_TYPE } });

export function metricsRoutes(metrics: MetricsService) {
  return new Elysia({ detail: { tags: ['System'] } }).get(
    '/metrics',
    async ({ headers }) => exposition(await metrics.scrape(extractKey(headers))),
    { detail: { summary: 'Prometheus metrics (text format 0.0.4); see the README for every metric' } },
  );
}

/** The handler of the separate metrics port: /metrics, and 404 for anything else. */
export function metricsFetch(metrics: MetricsService, log: Logger): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      const { pathname } = new URL(req.url);
      if (req.method !== 'GET' || (pathname !== '/metrics' && pathname !== '/metrics/')) throw new NotFoundError('Not found.');
      const key = extractKey({ authorization: req.headers.get('authorization') ?? undefined, 'x-auth-api-key': req.headers.get('x-auth-api-key') ?? undefined });
      return exposition(await metrics.scrape(key));
    } catch (err) {
      return errorResponse(toGatewayError('UNKNOWN', err, log), 'detail');
    }
  };
}
