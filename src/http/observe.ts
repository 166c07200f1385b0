/**
 * One wrapper around the app's fetch for what every request gets: an
 * `x-request-id` (the caller's when sane, else a new one), the HTTP metrics,
 * and an access log line. Proxy spans pass through `proxyWriter` on their way
 * to the span writer: that is where the request id goes onto the span and
 * where the proxy metrics are recorded, so the proxy itself knows of neither.
 *
 * A stream's access log line is written when its span is, at its end, so that
 * it carries the whole duration and the model.
 */
import { errorShapeOf } from './errors.ts';
import type { Logger } from '../lib/log.ts';
import type { GatewayMetrics } from '../modules/metrics/gateway-metrics.ts';
import type { SpanRecord } from '../store/types.ts';
import type { IngestWriter, SpanWriter } from '../store/writer.ts';
import {
  REQUEST_ID_HEADER,
  type RequestContext,
  currentRequest,
  newContext,
  outsideRequests,
  outsideRequestsWith,
  runInRequest,
} from './request-context.ts';

const CACHE_HEADER = 'x-switchyard-cache';

export interface ObserverOptions {
  /** Null when metrics are off. */
  metrics: GatewayMetrics | null;
  log: Logger;
  /** Write an access log line per request (the log level is info or lower). */
  accessLog: boolean;
  /** Monotonic milliseconds. */
  clock?: () => number;
}

type Fetch = (req: Request) => Response | Promise<Response>;

/** A span handed to the writer (a plain function: no closure per span). */
function offerTo(writer: Pick<SpanWriter, 'offer'>, span: SpanRecord): boolean {
  return writer.offer(span);
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const q = url.indexOf('?', start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

export class RequestObserver {
  private readonly metrics: GatewayMetrics | null;
  private readonly clock: () => number;

  constructor(private readonly opts: ObserverOptions) {
    this.metrics = opts.metrics;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** The app's fetch with request ids, HTTP metrics and access logs. */
  wrap(fetch: Fetch): (req: Request) => Promise<Response> {
    return async (req) => {
      const ctx = newContext(req, this.clock());
      const res = await runInRequest(ctx, () => fetch(req));
      this.answered(ctx, res);
      return res;
    };
  }

  /** The span writer as the proxy sees it: spans get the request id and are counted on their way in. */
  proxyWriter(writer: Pick<SpanWriter, 'offer'>): Pick<SpanWriter, 'offer'> {
    return {
      offer: (span) => {
        const ctx = currentRequest();
        if (ctx) this.spanOf(ctx, span);
        this.metrics?.observeProxySpan(span);
        return outsideRequestsWith(offerTo, writer, span);
      },
    };
  }

  /** The span writer as ingest sees it: spans are counted per organization. */
  ingestWriter(writer: IngestWriter): IngestWriter {
    const count = (spans: SpanRecord[]) => {
      const first = spans[0];
      if (this.metrics && first) this.metrics.observeIngest(first.org_id, spans.length);
    };
    return {
      offer: (span) => {
        count([span]);
        return outsideRequests(() => writer.offer(span));
      },
      write: (spans) => {
        count(spans);
        return outsideRequests(() => writer.write(spans));
      },
      assertWritable: () => writer.assertWritable(),
    };
  }

  private spanOf(ctx: RequestContext, span: SpanRecord): void {
    span.extra.request_id = ctx.id;
    ctx.spanSeen = true;
    ctx.model = span.model;
    if (ctx.logAtSpan) {
      ctx.logAtSpan = false;
      this.accessLog(ctx);
    }
  }

  private answered(ctx: RequestContext, res: Response): void {
    ctx.status = res.status;
    try {
      res.headers.set(REQUEST_ID_HEADER, ctx.id);
    } catch {
      // An immutable Response (Response.error/redirect) keeps its headers.
    }
    const route = ctx.route ?? 'unmatched';
    // The proxy's routes are the ones that answer in a provider's error shape (chat, embeddings, responses, messages).
    const proxy = ctx.route !== null && ctx.method === 'POST' && errorShapeOf(ctx.route) !== 'detail';
    const cache = proxy ? res.headers.get(CACHE_HEADER) : null;
    const m = this.metrics;
    if (m) {
      m.observeHttp(ctx.method, route, res.status, (this.clock() - ctx.t0) / 1000);
      if (cache && ctx.orgId) m.observeCache(ctx.orgId, cache === 'HIT');
      if (proxy && res.status >= 400 && !ctx.spanSeen) m.observeRefusal(ctx.orgId, ctx.keyId, res.status);
    }
    if (!this.opts.accessLog) return;
    // A stream still running will leave its span at its end (a replayed cache hit has left it already, or never will).
    const streaming = proxy && !ctx.spanSeen && cache !== 'HIT' && res.headers.get('content-type')?.startsWith('text/event-stream');
    if (streaming) ctx.logAtSpan = true;
    else this.accessLog(ctx);
  }

  private accessLog(ctx: RequestContext): void {
    const latencyMs = Math.round((this.clock() - ctx.t0) * 1000) / 1000;
    const fields: Record<string, unknown> = {
      request_id: ctx.id,
      method: ctx.method,
      route: ctx.route,
      status: ctx.status,
      latency_ms: latencyMs,
    };
    if (ctx.orgId) fields.org = ctx.orgId;
    if (ctx.model) fields.model = ctx.model;
    this.opts.log.info(`${ctx.method} ${pathOf(ctx.url)} ${ctx.status}`, fields);
  }
}
