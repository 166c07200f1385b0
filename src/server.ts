/**
 * Wires the store, services and app together and runs the HTTP server (and
 * the metrics port, if one is set). Once the port is open the migrations have
 * run, so /ready answers 200 from the first request. Stopping (SIGTERM):
 * /ready turns 503 at once and the server keeps serving, so a load balancer
 * that has not yet seen the 503 loses nothing, until no request is in flight
 * or half of the shutdown timeout has passed; then it stops accepting
 * connections, lets the requests still running finish until the timeout,
 * flushes the queued spans and closes the database.
 */
import type { Server } from 'bun';
import { createApp } from './app.ts';
import { banner, bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import type { Logger } from './lib/log.ts';
import { RetentionService } from './modules/logs/retention.ts';
import { metricsFetch } from './modules/metrics/index.ts';
import { openBackend } from './store/open.ts';
import type { Store } from './store/types.ts';
import { SpanWriter } from './store/writer.ts';
import { VERSION } from './version.ts';
import { buildAppDeps } from './wiring.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** The metrics port, when `metrics.port` is set. */
  metricsPort: number | null;
  store: Store;
  writer: SpanWriter;
  /** Set only when this start created the development key. */
  devKey: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** Where the start-up banner goes; stdout by default. */
  print?: (text: string) => void;
  now?: () => number;
}

const DRAIN_POLL_MS = 20;

function baseUrl(host: string, port: number | undefined): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  const now = opts.now ?? Date.now;
  const backend = await openBackend(config, { log, now });
  const { store } = backend;
  const deps = buildAppDeps(config, backend, { log, now, version: VERSION });
  if (config.preload_tokenizer) await deps.tokenizer.warm();
  const { writer, metrics } = deps;
  const { devKey } = await bootstrap(store, deps.keys, config, log);
  const retention = new RetentionService(store.spans, config.retention, log, now);
  const app = createApp(deps);
  const servers: Server<undefined>[] = [];
  try {
    servers.push(
      Bun.serve({
        hostname: config.host,
        port: config.port,
        fetch: deps.observer.wrap(app.fetch),
        // The app's body layer (src/http/body.ts) refuses over-limit bodies with a JSON 413 as they
        // arrive; Bun's own check would answer first, with an empty 413.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        // Streams can sit silent between keep-alive comments; Bun's default 10 s would cut them.
        idleTimeout: 255,
      }),
    );
    if (metrics && config.metrics.port !== undefined) {
      servers.push(Bun.serve({ hostname: config.host, port: config.metrics.port, fetch: metricsFetch(metrics, log) }));
    }
  } catch (err) {
    for (const s of servers) await s.stop(true);
    await backend.close();
    throw err;
  }
  const [server, metricsServer] = servers as [Server<undefined>, Server<undefined> | undefined];
  metrics?.start();
  const url = baseUrl(config.host, server.port);
  (opts.print ?? ((t) => process.stdout.write(t)))(banner(url, devKey, config.mock_provider));
  retention.start();
  if (metricsServer) log.info(`metrics on ${baseUrl(config.host, metricsServer.port)}/metrics`);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      deps.readiness.draining = true;
      const t0 = performance.now();
      const left = () => config.shutdown_timeout_ms - (performance.now() - t0);
      while (server.pendingRequests > 0 && left() > config.shutdown_timeout_ms / 2) await Bun.sleep(DRAIN_POLL_MS);
      const drained = server.stop(false);
      const timedOut = await Promise.race([drained.then(() => false), Bun.sleep(Math.max(0, left())).then(() => true)]);
      if (timedOut) {
        log.warn('in-flight requests did not finish in time; closing their connections', {
          pending: server.pendingRequests,
        });
        await server.stop(true);
      }
      await retention.stop();
      metrics?.stop();
      await metricsServer?.stop(true);
      await writer.flush();
      await backend.close();
      log.info('stopped', { spans_written: writer.stats().written });
    })();
    return stopping;
  };
  return { url, port: server.port ?? config.port, metricsPort: metricsServer?.port ?? null, store, writer, devKey, stop };
}
