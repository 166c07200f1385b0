/**
 * The README's Vercel AI SDK example, run as printed against the gateway
 * started the way `npm start` does (mock provider, fresh data folder); only
 * the port differs, since tests bind a free one.
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Served, serve } from './helpers/proc.ts';

const ROOT = join(import.meta.dir, '..');
const KEY = 'ReadMe01.0123456789abcdefghijklmnopqrstuv';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
let served: Served | null = null;
afterAll(() => {
  served?.proc.kill();
  rmSync(dir, { recursive: true, force: true });
});

function aiSdkExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The Responses API, the Vercel AI SDK'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README has no AI SDK example');
  return code;
}

test('the README Vercel AI SDK example works as printed against the mock', async () => {
  served = await serve(['--data-dir', dir], { SWITCHYARD_BOOTSTRAP_KEY: KEY });
  const code = aiSdkExample().replaceAll('http://127.0.0.1:8080', served.base);
  const run = Bun.spawn([process.execPath, '-e', code], { cwd: ROOT, env: { ...process.env, SWITCHYARD_KEY: KEY }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code_] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited]);
  expect(err).toBe('');
  expect(code_).toBe(0);
  expect(out).toBe('Hello from the AI SDK\nStreaming works too\n');
});
