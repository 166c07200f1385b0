/**
 * Builds the HTTP application from its dependencies. The error hook comes
 * first so that it covers every route; each feature module is mounted twice,
 * at the root and under `/api`, because the reference's SDKs call both.
 */
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import type { Config } from './config.ts';
import { bodyLimits, bufferBodies, parseBodies } from './http/body.ts';
import { errorResponse, errorShapeOf, toGatewayError } from './http/errors.ts';
import { chatFastPath } from './http/chat-fast-path.ts';
import { boundValidationErrors } from './http/validation-cost.ts';
import type { RequestObserver } from './http/observe.ts';
import { noteRoute } from './http/request-context.ts';
import type { Logger } from './lib/log.ts';
import { analyticsRoutes } from './modules/analytics/index.ts';
import { AnalyticsService } from './modules/analytics/service.ts';
import { chatRoutes } from './modules/chat/index.ts';
import { messagesRoutes } from './modules/messages/index.ts';
import { responsesRoutes } from './modules/responses/index.ts';
import type { PromptResolver } from './modules/chat/prompt.ts';
import { PromptResolver as PromptResolverImpl } from './modules/prompts/resolver.ts';
import { ChatService } from './modules/chat/service.ts';
import { customerRoutes } from './modules/customers/index.ts';
import type { CustomerGate } from './modules/customers/gate.ts';
import type { CustomerService } from './modules/customers/service.ts';
import { keyRoutes } from './modules/keys/index.ts';
import { metricsRoutes } from './modules/metrics/index.ts';
import type { MetricsService } from './modules/metrics/service.ts';
import { modelRoutes, publicModelRoutes } from './modules/models/index.ts';
import { ModelsService } from './modules/models/service.ts';
import type { ModelRegistry } from './pricing/registry.ts';
import { Tokenizer } from './pricing/tokenizer.ts';
import type { ProviderRegistry } from './providers/registry.ts';
import { providersFromConfig } from './routing/adapters.ts';
import { ApiBasePolicy, type ResolveHost } from './routing/api-base-policy.ts';
import { realSleep, type Sleep } from './routing/retry.ts';
import { logRoutes } from './modules/logs/index.ts';
import { LogService } from './modules/logs/service.ts';
import { traceRoutes } from './modules/traces/index.ts';
import { TraceService } from './modules/traces/service.ts';
import type { KeyService } from './modules/keys/service.ts';
import { promptRoutes } from './modules/prompts/index.ts';
import { PromptService } from './modules/prompts/service.ts';
import type { DependencyHealth } from './store/open.ts';
import type { ResponseCache, SharedState } from './store/state-types.ts';
import type { Store } from './store/types.ts';
import type { SpanWriter } from './store/writer.ts';
import docsHtml from './web/docs.html' with { type: 'text' };
import { CONSOLE_SCRIPT_PATH, consolePage, consoleScript, serveAsset } from './web/console.ts';

// Imported as text (bun-types declares `*.html` as an HTML bundle for Bun's dev server).
const html = (page: unknown) => {
  const body = String(page);
  return () => new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });
};
const docsPage = html(docsHtml);

export interface AppDeps {
  config: Config;
  store: Store;
  /** Rate limits, budget holds, the response cache and the invalidation feed, shared by every gateway on the backend. */
  state: SharedState;
  keys: KeyService;
  customers: CustomerService;
  /** Customer rate limits and budgets, checked by the proxy before any upstream call. */
  gate: CustomerGate;
  writer: SpanWriter;
  /** Null when metrics are off. */
  metrics: MetricsService | null;
  /** Request ids, HTTP metrics and access logs around the app's fetch; the proxy's spans pass through it. */
  observer: RequestObserver;
  /** Set at SIGTERM: /ready answers 503 while in-flight requests finish. */
  readiness: { draining: boolean };
  /** Whether the database (and Redis, when configured) answer now. */
  health: () => Promise<DependencyHealth>;
  log: Logger;
  now: () => number;
  version: string;
  /** The model registry: routing, prices, /models/public, and prices of ingested spans with no cost. */
  models: ModelRegistry;
  /** The rest have production defaults built per app; tests inject their own. */
  providers?: ProviderRegistry;
  prompts?: PromptResolver;
  cache?: ResponseCache;
  tokenizer?: Tokenizer;
  random?: () => number;
  fetch?: typeof fetch;
  /** DNS for caller-supplied api_bases. */
  resolveHost?: ResolveHost;
  sleep?: Sleep;
  /** Monotonic milliseconds for durations. */
  clock?: () => number;
}

/** Services shared by both mount points (/ and /api). */
interface Services {
  chat: ChatService;
  models: ModelsService;
  logs: LogService;
  prompts: PromptService;
  traces: TraceService;
  analytics: AnalyticsService;
}

function buildServices(deps: AppDeps): Services {
  const { config, models } = deps;
  const modelsService = new ModelsService(deps.store.models, models, deps.state.invalidations, deps.now);
  const chat = new ChatService({
    config,
    models,
    overlay: (orgId) => modelsService.overlay(orgId),
    providers: deps.providers ?? providersFromConfig(config),
    gate: deps.gate,
    prompts: deps.prompts ?? new PromptResolverImpl(deps.store.prompts),
    apiBases: new ApiBasePolicy(config, deps.resolveHost),
    cache: deps.cache ?? deps.state.cache,
    tokenizer: deps.tokenizer ?? new Tokenizer(),
    writer: deps.observer.proxyWriter(deps.writer),
    log: deps.log,
    now: deps.now,
    clock: deps.clock ?? (() => performance.now()),
    random: deps.random ?? Math.random,
    fetch: deps.fetch ?? fetch,
    sleep: deps.sleep ?? realSleep,
  });
  const logs = new LogService({
    store: deps.store,
    writer: deps.observer.ingestWriter(deps.writer),
    now: deps.now,
    models,
    overlay: (orgId) => modelsService.overlay(orgId),
  });
  return {
    chat,
    models: modelsService,
    logs,
    prompts: new PromptService(deps.store.prompts, deps.now),
    traces: new TraceService(deps.store),
    analytics: new AnalyticsService(deps.store.analytics, deps.store.keys, deps.now),
  };
}

/** Fresh instances of every feature module; called once per mount point. */
function featureModules(deps: AppDeps, s: Services) {
  // On a port of its own (metrics.port), /metrics is served by the server, not the app.
  const metrics = deps.metrics && deps.config.metrics.port === undefined ? [metricsRoutes(deps.metrics)] : [];
  return [
    ...metrics,
    keyRoutes(deps.keys, deps.now),
    chatRoutes(deps.keys, s.chat),
    responsesRoutes(deps.keys, s.chat),
    messagesRoutes(deps.keys, s.chat),
    logRoutes(s.logs, deps.keys, deps.now),
    traceRoutes(s.traces, deps.keys, deps.now),
    promptRoutes(deps.keys, s.prompts),
    // /models/public before the authenticated /models/* routes.
    publicModelRoutes(deps.models),
    modelRoutes(deps.keys, s.models),
    customerRoutes(deps.keys, deps.customers),
    analyticsRoutes(deps.keys, s.analytics),
  ];
}

export function createApp(deps: AppDeps) {
  const bodies = bodyLimits(deps.config);
  const startedAt = deps.now();
  const services = buildServices(deps);
  // normalize: false makes `additionalProperties: false` reject unknown fields
  // (422 naming them) instead of silently dropping them.
  const app = new Elysia({ normalize: false })
    .onError(({ code, error, request, route }) => {
      // Errors before the transform phase (a body that does not parse) still name their route.
      noteRoute(route);
      const err = toGatewayError(code, error, deps.log);
      return errorResponse(err, errorShapeOf(new URL(request.url).pathname));
    })
    .onTransform(({ route }) => noteRoute(route))
    // Every body is read within its limits before routing, and parsed by one hook (src/http/body.ts).
    .wrap(bufferBodies(bodies))
    .onParse(parseBodies(bodies))
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
        exclude: { paths: [/^\/api\//, '/docs', '/openapi.json', '/', CONSOLE_SCRIPT_PATH] },
      }),
    )
    .get(
      '/health',
      async () => {
        const found = await deps.health();
        const writer = deps.writer.stats();
        // The database taking no writes (disk full, or gone) is noted; proxying goes on.
        const database = found.database === 'down' ? 'down' : writer.storage === 'ok' ? 'up' : 'not taking writes';
        const healthy = database === 'up' && (found.redis ?? 'up') === 'up';
        // Always 200 while the process serves: restarting it would not bring a dependency back,
        // and would lose the spans it holds in memory for the database.
        return {
          status: healthy ? 'ok' : 'degraded',
          dependencies: { ...found, database },
          version: deps.version,
          uptime_s: Math.round((deps.now() - startedAt) / 1000),
          span_writer: writer,
        };
      },
      { detail: { tags: ['System'], summary: 'Liveness: 200 while the process serves; each dependency up, down or (Redis) on its fallback' } },
    )
    .get(
      '/ready',
      ({ set }) => {
        // The port opens only after migrations, so readiness turns on with it. A database
        // outage later does not turn it off: the proxy goes on for keys and customers this
        // gateway has read (docs/deploy.md), and every gateway on that database would go
        // not-ready at once, leaving a load balancer nothing to send to. /health says so.
        const status = deps.readiness.draining ? 'draining' : 'ready';
        if (status !== 'ready') set.status = 503;
        return { status };
      },
      { detail: { tags: ['System'], summary: 'Readiness: 200 once migrations ran, 503 from SIGTERM on' } },
    )
    .get('/docs', docsPage, { detail: { hide: true } })
    .get('/', ({ request }) => serveAsset(consolePage, request), { detail: { hide: true } })
    .get(CONSOLE_SCRIPT_PATH, ({ request }) => serveAsset(consoleScript, request), { detail: { hide: true } });
  for (const m of featureModules(deps, services)) app.use(m);
  app.group('/api', (api) => {
    for (const m of featureModules(deps, services)) api.use(m);
    return api;
  });
  boundValidationErrors(app.routes);
  // The server and the tests both take `app.fetch`: the proxy's hottest route is answered there, ahead of the router.
  const fast = chatFastPath({ auth: deps.keys, chat: services.chat, bodies, log: deps.log }, app.fetch);
  Object.defineProperty(app, 'fetch', { value: fast, configurable: true, writable: true });
  return app;
}
