/** Runs the gateway from source as a child process, the way a user starts it. */
import { join } from 'node:path';
import type { Subprocess } from 'bun';

const MAIN = join(import.meta.dir, '../../src/main.ts');

export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const p = Bun.spawnSync([process.execPath, MAIN, ...args], { env: { ...process.env, ...env }, cwd });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

export interface Served {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  base: string;
  stdout: string;
}

/** Starts `serve --port 0` and resolves with the URL from its banner. */
export async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const proc = Bun.spawn([process.execPath, MAIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const reader = proc.stdout.getReader();
  let stdout = '';
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += new TextDecoder().decode(value);
    const base = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    if (base) {
      // Give the banner's remaining lines a moment to arrive.
      await Bun.sleep(50);
      reader.releaseLock();
      return { proc, base, stdout };
    }
  }
  proc.kill();
  throw new Error(`server did not start: ${stdout} ${await new Response(proc.stderr).text()}`);
}
