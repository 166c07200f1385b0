/**
 * Wires the store, services and app together and runs the HTTP server, with
 * a graceful stop: no new connections, in-flight requests get a bounded wait,
 * queued spans are flushed, the database is closed.
 */
import type { Server } from 'bun';
import { createApp } from './app.ts';
import { banner, bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import type { Logger } from './lib/log.ts';
import { RetentionService } from './modules/logs/retention.ts';
import { openBackend } from './store/open.ts';
import type { Store } from './store/types.ts';
import { SpanWriter } from './store/writer.ts';
import { VERSION } from './version.ts';
import { buildAppDeps } from './wiring.ts';

export interface RunningServer {
  url: string;
  port: number;
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

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  const now = opts.now ?? Date.now;
  const backend = openBackend(config, { log, now });
  const { store } = backend;
  const deps = buildAppDeps(config, backend, { log, now, version: VERSION });
  const { writer } = deps;
  const { devKey } = await bootstrap(store, deps.keys, config, log);
  const retention = new RetentionService(store.spans, config.retention, log, now);
  const app = createApp(deps);
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname: config.host,
      port: config.port,
      fetch: app.fetch,
      maxRequestBodySize: Math.floor(config.body_limit_mb * 1024 * 1024),
      // Streams can sit silent between keep-alive comments; Bun's default 10 s would cut them.
      idleTimeout: 255,
    });
  } catch (err) {
    await backend.close();
    throw err;
  }
  // Loading the encodings takes ~250 ms; do it now, off the first request's path.
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${server.port}`;
  (opts.print ?? ((t) => process.stdout.write(t)))(banner(url, devKey, config.mock_provider));
  retention.start();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      const drained = server.stop(false);
      const timedOut = await Promise.race([
        drained.then(() => false),
        Bun.sleep(config.shutdown_timeout_ms).then(() => true),
      ]);
      if (timedOut) {
        log.warn('in-flight requests did not finish in time; closing their connections', {
          pending: server.pendingRequests,
        });
        await server.stop(true);
      }
      await retention.stop();
      await writer.flush();
      await backend.close();
      log.info('stopped', { spans_written: writer.stats().written });
    })();
    return stopping;
  };
  return { url, port: server.port ?? config.port, store, writer, devKey, stop };
}
