/**
 * Builds the HTTP application from its dependencies. The error hook comes
 * first so that it covers every route; each feature module is mounted twice,
 * at the root and under `/api`, because the reference's SDKs call both.
 */
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import type { Config } from './config.ts';
import { PayloadTooLargeError } from './errors.ts';
import { errorResponse, isProxyPath, toGatewayError } from './http/errors.ts';
import type { Logger } from './lib/log.ts';
import { customerRoutes } from './modules/customers/index.ts';
import type { CustomerGate } from './modules/customers/gate.ts';
import type { CustomerService } from './modules/customers/service.ts';
import { keyRoutes } from './modules/keys/index.ts';
import type { KeyService } from './modules/keys/service.ts';
import type { Store } from './store/types.ts';
import type { SpanWriter } from './store/writer.ts';
import docsHtml from './web/docs.html' with { type: 'text' };

// Imported as text (bun-types declares `*.html` as an HTML bundle for Bun's dev server).
const docsPage = String(docsHtml);

export interface AppDeps {
  config: Config;
  store: Store;
  keys: KeyService;
  customers: CustomerService;
  /** Customer rate limits and budgets, checked by the proxy before any upstream call. */
  gate: CustomerGate;
  writer: SpanWriter;
  log: Logger;
  now: () => number;
  version: string;
}

/** Fresh instances of every feature module; called once per mount point. */
function featureModules(deps: AppDeps) {
  return [keyRoutes(deps.keys, deps.now), customerRoutes(deps.keys, deps.customers)];
}

export function createApp(deps: AppDeps) {
  const limit = Math.floor(deps.config.body_limit_mb * 1024 * 1024);
  const startedAt = deps.now();
  // normalize: false makes `additionalProperties: false` reject unknown fields
  // (422 naming them) instead of silently dropping them.
  const app = new Elysia({ normalize: false })
    .onError(({ code, error, request }) => {
      const err = toGatewayError(code, error, deps.log);
      return errorResponse(err, isProxyPath(new URL(request.url).pathname));
    })
    .onRequest(({ request }) => {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > limit) throw new PayloadTooLargeError(limit);
    })
    .use(
      openapi({
        provider: null,
        specPath: '/openapi.json',
        documentation: {
          info: {
            title: 'Switchyard',
            version: deps.version,
            description: 'Self-hosted LLM gateway and observability API. Every route is also served under /api.',
          },
          components: {
            securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
          },
          security: [{ apiKey: [] }],
        },
        exclude: { paths: [/^\/api\//, '/docs', '/openapi.json'] },
      }),
    )
    .get(
      '/health',
      async ({ set }) => {
        const db = await deps.store.ping();
        if (!db) set.status = 503;
        return {
          status: db ? 'ok' : 'degraded',
          database: db ? 'ok' : 'unreachable',
          version: deps.version,
          uptime_s: Math.round((deps.now() - startedAt) / 1000),
          span_writer: deps.writer.stats(),
        };
      },
      { detail: { tags: ['System'], summary: 'Process and database health' } },
    )
    .get('/docs', () => new Response(docsPage, { headers: { 'content-type': 'text/html; charset=utf-8' } }), {
      detail: { hide: true },
    });
  for (const m of featureModules(deps)) app.use(m);
  app.group('/api', (api) => {
    for (const m of featureModules(deps)) api.use(m);
    return api;
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
