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
import { keyRoutes } from './modules/keys/index.ts';
import { logRoutes } from './modules/logs/index.ts';
import { LogService } from './modules/logs/service.ts';
import { traceRoutes } from './modules/traces/index.ts';
import type { ModelRegistry } from './pricing/registry.ts';
import type { KeyService } from './modules/keys/service.ts';
import { promptRoutes } from './modules/prompts/index.ts';
import { PromptService } from './modules/prompts/service.ts';
import type { Store } from './store/types.ts';
import type { SpanWriter } from './store/writer.ts';
import docsHtml from './web/docs.html' with { type: 'text' };
import indexHtml from './web/index.html' with { type: 'text' };

// Imported as text (bun-types declares `*.html` as an HTML bundle for Bun's dev server).
const html = (page: unknown) => {
  const body = String(page);
  return () => new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });
};
const docsPage = html(docsHtml);
const indexPage = html(indexHtml);

export interface AppDeps {
  config: Config;
  store: Store;
  keys: KeyService;
  writer: SpanWriter;
  log: Logger;
  now: () => number;
  version: string;
  /** Prices for ingested spans that carry no cost. */
  models: ModelRegistry;
}

/** Services shared by both mount points of the feature modules. */
interface Services {
  logs: LogService;
  prompts: PromptService;
}

/** Fresh instances of every feature module; called once per mount point. */
function featureModules(deps: AppDeps, services: Services) {
  return [
    keyRoutes(deps.keys, deps.now),
    logRoutes(services.logs, deps.keys, deps.now),
    traceRoutes(deps.store, deps.keys, deps.now),
    promptRoutes(deps.keys, services.prompts),
  ];
}

export function createApp(deps: AppDeps) {
  const limit = Math.floor(deps.config.body_limit_mb * 1024 * 1024);
  const startedAt = deps.now();
  const services: Services = {
    logs: new LogService({
      store: deps.store,
      writer: deps.writer,
      now: deps.now,
      prices: (model) => deps.models.resolve(model),
    }),
    prompts: new PromptService(deps.store.prompts, deps.now),
  };
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
        exclude: { paths: [/^\/api\//, '/docs', '/openapi.json', '/'] },
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
    .get('/docs', docsPage, { detail: { hide: true } })
    .get('/', indexPage, { detail: { hide: true } });
  for (const m of featureModules(deps, services)) app.use(m);
  app.group('/api', (api) => {
    for (const m of featureModules(deps, services)) api.use(m);
    return api;
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
