/**
 * A gateway process for the store benchmarks: `serve` from source (or a
 * given binary) on a free port over a data folder, with a known key; resolves
 * once its banner names the address.
 */
import type { Subprocess } from 'bun';
import { join } from 'node:path';

export interface Gateway {
  base: string;
  proc: Subprocess<'ignore', 'pipe', 'inherit'>;
  stop(): Promise<void>;
}

export async function startGateway(opts: { dataDir: string; key: string; config?: string; binary?: string }): Promise<Gateway> {
  const cmd = opts.binary ? [opts.binary] : [process.execPath, join(import.meta.dir, '../../src/main.ts')];
  const proc = Bun.spawn([...cmd, 'serve', '--port', '0', '--data-dir', opts.dataDir, ...(opts.config ? ['--config', opts.config] : [])], {
    env: { ...process.env, SWITCHYARD_BOOTSTRAP_KEY: opts.key, SWITCHYARD_LOG_LEVEL: 'warn', SWITCHYARD_BODY_LIMIT_MB: '64' },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const reader = proc.stdout.getReader();
  let out = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`gateway did not start: ${out}`);
    out += new TextDecoder().decode(value);
    const base = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (base) {
      reader.releaseLock();
      return {
        base,
        proc,
        async stop() {
          proc.kill('SIGTERM');
          await proc.exited;
        },
      };
    }
  }
}
