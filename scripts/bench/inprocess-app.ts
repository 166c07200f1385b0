/**
 * The gateway's app assembled in this process from one source tree (SQLite
 * in a temporary folder, its write thread, the observer), with a stub in
 * place of the upstream's fetch: what bench-inprocess and bench-objects run
 * requests through without sockets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BENCH_KEY = 'benchkey.abcdefghijklmnopqrstuvwxyz012345';

/** The stub upstream's plain answer. */
export const BENCH_COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-upstream',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello, benchmark! '.repeat(4) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 },
});

export interface InprocessApp {
  /** The app's fetch, wrapped by its observer as the server wraps it. */
  fetch: (req: Request) => Promise<Response>;
  /** Waits for the spans queued so far to be committed. */
  flush: () => Promise<void>;
  close: () => Promise<void>;
}

/** `root`: the source tree (a `git worktree` for an A/B); `upstream`: what the gateway's calls to its provider get. */
export async function inprocessApp(root: string, upstream: typeof fetch): Promise<InprocessApp> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-inprocess-'));
  const configPath = join(dir, 'switchyard.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      host: '127.0.0.1',
      port: 0,
      data_dir: join(dir, 'data'),
      log_level: 'warn',
      bootstrap_key: BENCH_KEY,
      providers: { upstream: { kind: 'openai', api_key: 'bench', api_base: 'http://upstream.invalid/v1' } },
      models: [{ model_name: 'bench-primary', provider_id: 'upstream', input_cost: 1, output_cost: 2 }],
    }),
  );
  const { loadConfig } = (await import(join(root, 'src/config-load.ts'))) as typeof import('../../src/config-load.ts');
  const { createLogger } = (await import(join(root, 'src/lib/log.ts'))) as typeof import('../../src/lib/log.ts');
  const { openBackend } = (await import(join(root, 'src/store/open.ts'))) as typeof import('../../src/store/open.ts');
  const { buildAppDeps } = (await import(join(root, 'src/wiring.ts'))) as typeof import('../../src/wiring.ts');
  const { bootstrap } = (await import(join(root, 'src/bootstrap.ts'))) as typeof import('../../src/bootstrap.ts');
  const { createApp } = (await import(join(root, 'src/app.ts'))) as typeof import('../../src/app.ts');
  const config = loadConfig({ argv: ['--config', configPath], env: {} });
  const log = createLogger(config.log_level);
  const backend = await openBackend(config, { log, now: Date.now });
  const deps = buildAppDeps(config, backend, { log, now: Date.now, version: 'bench' });
  await bootstrap(backend.store, deps.keys, config, log);
  const app = createApp({ ...deps, fetch: upstream });
  return {
    fetch: deps.observer.wrap(app.fetch),
    flush: () => deps.writer.flush(),
    async close() {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
