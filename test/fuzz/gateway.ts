/**
 * The gateway the fuzzer runs against: the real server from source in a
 * process of its own (so /health timings are its event loop's, not the
 * fuzzer's), on a fresh data folder, with a 1 MiB body limit so over-limit
 * bodies are cheap to send. Every provider it could reach outside this
 * machine goes through an HTTP proxy on a closed port, so a fuzzed call with
 * a caller's own credentials fails (502) instead of reaching a real provider.
 *
 * Two organizations: `keeper` holds data written before the run, which must
 * read back unchanged after it; `fuzz` holds the keys the fuzzer uses (one per
 * role) and records whose ids it puts in paths, next to keeper's ids.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';

const MAIN = join(import.meta.dir, '../../src/main.ts');
const KEEPER_KEY = 'Keeper01.0123456789abcdefghijklmnopqrstuv';
export const BODY_LIMIT_MB = 1;

export interface FuzzKeys {
  admin: string;
  member: string;
  read_only: string;
}

/** Upper bound (seconds, `+Inf` last) -> samples at or under it, as Prometheus counts them. */
export type LagHistogram = Map<number, number>;

const LAG_BUCKET = /^switchyard_event_loop_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/;

async function readLoopLag(base: string): Promise<LagHistogram> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const h: LagHistogram = new Map();
  for (const line of text.split('\n')) {
    const m = LAG_BUCKET.exec(line);
    if (m) h.set(m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
  }
  return h;
}

export interface FuzzGateway {
  base: string;
  keys: FuzzKeys;
  /** Ids the fuzzer may put in paths: the fuzz organization's and keeper's. */
  ids: Record<string, string[]>;
  /** What keeper's records read as now; compare before and after a run. */
  snapshot(): Promise<string>;
  /** Lines the gateway wrote at warn and above. */
  log(): string;
  /** The gateway's own event-loop lag histogram so far (cumulative counts by upper bound in seconds, from /metrics). */
  loopLag(): Promise<LagHistogram>;
  stop(): Promise<void>;
}

async function waitForBanner(file: string, proc: Subprocess): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const base = /listening on (http:\/\/\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
    if (base) return base;
    if (proc.exitCode !== null) break;
    await Bun.sleep(50);
  }
  throw new Error(`fuzz gateway did not start: ${readFileSync(file, 'utf8')}`);
}

function createKey(dir: string, org: string, role: string): string {
  const p = Bun.spawnSync([process.execPath, MAIN, 'keys', 'create', '--org', org, '--role', role, '--data-dir', dir]);
  const key = /\b([A-Za-z0-9]{8}\.[A-Za-z0-9]{32})\b/.exec(p.stdout.toString())?.[1];
  if (!key) throw new Error(`keys create failed: ${p.stdout} ${p.stderr}`);
  return key;
}

async function must(r: Promise<Response>, what: string): Promise<Record<string, unknown>> {
  const res = await r;
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Records of one organization the fuzzer can name in paths. */
async function seed(base: string, key: string, tag: string): Promise<Record<string, string[]>> {
  const call = (method: string, path: string, body?: unknown) =>
    must(
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      `${method} ${path}`,
    );
  const span = await call('POST', '/api/request-logs/create/', {
    log_type: 'chat', model: 'gpt-4o', input: `hello ${tag}`, output: 'hi', prompt_tokens: 3, completion_tokens: 2,
    customer_identifier: `cust-${tag}`, trace_unique_id: `trace-${tag}`, thread_identifier: `thread-${tag}`,
    metadata: { tier: 'gold', n: 1 }, keywordsai_api_controls: { block: true },
  });
  const prompt = await call('POST', '/api/prompts/', { name: `prompt ${tag}` });
  const promptId = String(prompt.prompt_id ?? prompt.id);
  await call('POST', `/api/prompts/${promptId}/versions`, { messages: [{ role: 'user', content: 'Hi {{name}}' }], model: 'mock/echo' });
  await call('POST', '/api/models/', { model_name: `model-${tag}`, provider_id: 'mock', input_cost: 1, output_cost: 2 });
  const created = await call('POST', '/api/temporary-keys/', { name: `key ${tag}` });
  return {
    unique_id: [String(span.unique_id)],
    trace_unique_id: [`trace-${tag}`],
    thread_identifier: [`thread-${tag}`],
    customer_identifier: [`cust-${tag}`],
    prompt_id: [promptId],
    version: ['1'],
    id: [String(created.id ?? created.key_id ?? '')].filter(Boolean),
    model: [`model-${tag}`],
  };
}

/** Keeper's records, read one by one through the API, as one string. */
async function readKeeper(base: string, ids: Record<string, string[]>): Promise<string> {
  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${KEEPER_KEY}` } });
    return `${path} ${r.status} ${await r.text()}`;
  };
  const paths = [
    `/api/request-logs/${ids.unique_id?.[0]}/`,
    `/api/traces/${ids.trace_unique_id?.[0]}/`,
    `/api/prompts/${ids.prompt_id?.[0]}/`,
    `/api/prompts/${ids.prompt_id?.[0]}/versions`,
    `/api/models/${ids.model?.[0]}`,
    `/api/users/${ids.customer_identifier?.[0]}/`,
    '/api/temporary-keys/',
  ];
  const out: string[] = [];
  for (const p of paths) out.push(await get(p));
  // The key list says when each key was last used: keeper's own reads above change it.
  return out.join('\n').replace(/"last_used(_at)?":"[^"]*"/g, '"last_used":"-"');
}

export async function startFuzzGateway(): Promise<FuzzGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-fuzz-'));
  const out = join(dir, 'out.log');
  writeFileSync(out, '');
  const proc = Bun.spawn([process.execPath, MAIN, 'serve', '--port', '0', '--data-dir', dir, '--body-limit-mb', String(BODY_LIMIT_MB)], {
    env: {
      ...process.env,
      SWITCHYARD_LOG_LEVEL: 'warn',
      SWITCHYARD_BOOTSTRAP_KEY: KEEPER_KEY,
      // Nothing leaves the machine: real providers are reached through a proxy that is not there.
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost',
    },
    stdin: 'ignore',
    stdout: Bun.file(out),
    stderr: Bun.file(out),
  });
  try {
    const base = await waitForBanner(out, proc);
    const keeperIds = await seed(base, KEEPER_KEY, 'keeper');
    const keys: FuzzKeys = {
      admin: createKey(dir, 'fuzz', 'admin'),
      member: createKey(dir, 'fuzz', 'member'),
      read_only: createKey(dir, 'fuzz', 'read_only'),
    };
    const own = await seed(base, keys.admin, 'fuzz');
    const ids: Record<string, string[]> = {};
    for (const k of new Set([...Object.keys(own), ...Object.keys(keeperIds)])) ids[k] = [...(own[k] ?? []), ...(keeperIds[k] ?? [])];
    return {
      base,
      keys,
      ids,
      snapshot: () => readKeeper(base, keeperIds),
      log: () => readFileSync(out, 'utf8'),
      loopLag: () => readLoopLag(base),
      async stop() {
        proc.kill('SIGTERM');
        await Promise.race([proc.exited, Bun.sleep(15_000)]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
