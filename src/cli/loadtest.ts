/**
 * `switchyard loadtest`: drives load at an OpenAI-compatible chat completions
 * URL (this gateway by default) and prints what it measured; with `--compare`
 * the same load then runs against a second URL and the table shows what the
 * first adds. The generator itself lives in src/loadtest/.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config-load.ts';
import { applyOverrides, buildBody } from '../loadtest/body.ts';
import { runLoad } from '../loadtest/engine.ts';
import { compareReports, formatProgress, formatReport, type LoadTestReport, type RunReport, summarize } from '../loadtest/report.ts';
import { buildTarget } from '../loadtest/target.ts';
import { numberFlag, parseCommandArgs, UsageError } from './args.ts';

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '0' },
  timeout: { type: 'string', default: '60' },
  stream: { type: 'boolean', default: false },
  body: { type: 'string' },
  model: { type: 'string' },
  'prompt-tokens': { type: 'string' },
  'max-tokens': { type: 'string' },
  header: { type: 'string', multiple: true },
  compare: { type: 'string' },
  'compare-key': { type: 'string' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  config: { type: 'string' },
} as const;

export const KEY_ENV = 'SWITCHYARD_API_KEY';
/** Open loop: the most connections when --connections is not given. */
const DEFAULT_MAX_CONNECTIONS = 1000;
const DEFAULT_RATE = 100;

export interface LoadTestIO {
  out(text: string): void;
  err(text: string): void;
  /** Progress overwrites one line on a terminal, else prints a line a second. */
  tty: boolean;
}

/**
 * The chat completions endpoint under a base URL, as OpenAI SDKs read
 * `baseURL`: `/chat/completions` is appended unless the URL already ends with it.
 */
export function endpointUrl(base: string, flag: string): URL {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new UsageError(`${flag} must be an http(s) URL, got '${base}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${flag} must be an http(s) URL, got '${base}'`);
  if (u.username || u.password) throw new UsageError(`${flag} must not carry credentials: use --key or ${KEY_ENV}`);
  const path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/chat/completions')) u.pathname = `${path}/chat/completions`;
  return u;
}

function positive(v: string | undefined, flag: string, kind: 'integer' | 'number', orZero = false): number | undefined {
  const n = numberFlag(v, flag, kind);
  if (n !== undefined && (orZero ? n < 0 : n <= 0)) throw new UsageError(`--${flag} must be ${orZero ? 'zero or more' : 'more than 0'}, got '${v}'`);
  return n;
}

function headerValue(value: string, what: string): string {
  // A CR or LF would end the header and let the value write its own.
  if (/[\r\n]/.test(value) || /[^\x20-\x7e\t]/.test(value)) throw new UsageError(`${what} must be printable ASCII on one line`);
  return value;
}

function extraHeaders(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) {
    const at = h.indexOf(':');
    const name = at > 0 ? h.slice(0, at).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new UsageError(`--header must look like 'Name: value', got '${h}'`);
    out[name] = headerValue(h.slice(at + 1).trim(), '--header');
  }
  return out;
}

function readBody(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--body: cannot read JSON from ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--body: the file must hold a JSON object');
  return parsed as Record<string, unknown>;
}

export async function loadtestCommand(argv: string[], env: Record<string, string | undefined>, io: LoadTestIO): Promise<number> {
  const { values: v } = parseCommandArgs(argv, OPTIONS, false);
  const rate = positive(v.rate, 'rate', 'number');
  const givenConnections = positive(v.connections, 'connections', 'integer');
  const durationS = positive(v.duration, 'duration', 'number') as number;
  const warmupS = positive(v.warmup, 'warmup', 'number', true) as number;
  const timeoutS = positive(v.timeout, 'timeout', 'number') as number;
  if (v.body !== undefined && v['prompt-tokens'] !== undefined) throw new UsageError('--prompt-tokens builds a body: it cannot be used with --body');
  const bodyOptions = {
    model: v.model,
    promptTokens: positive(v['prompt-tokens'], 'prompt-tokens', 'integer'),
    maxTokens: positive(v['max-tokens'], 'max-tokens', 'integer'),
    stream: v.stream,
  };
  const body = JSON.stringify(v.body === undefined ? buildBody(bodyOptions) : applyOverrides(readBody(v.body), bodyOptions));
  const headers = extraHeaders(v.header);

  // Without --url the target is this gateway, as its config says; only then may its bootstrap key be used.
  let url: URL;
  let fallbackKey: string | undefined;
  if (v.url === undefined) {
    const config = loadConfig({ argv: v.config === undefined ? [] : ['--config', v.config], env });
    const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
    url = endpointUrl(`http://${host.includes(':') ? `[${host}]` : host}:${config.port}/api`, '--url');
    fallbackKey = config.bootstrap_key;
  } else url = endpointUrl(v.url, '--url');
  const key = v.key ?? env[KEY_ENV] ?? fallbackKey;
  const auth = (k: string | undefined, what: string): Record<string, string> => (k ? { authorization: `Bearer ${headerValue(k, what)}` } : {});

  // A rate alone: open loop. Connections alone: closed loop. Neither: a gentle open loop.
  const openRate = rate ?? (givenConnections === undefined ? DEFAULT_RATE : undefined);
  const connections = givenConnections ?? (openRate ? DEFAULT_MAX_CONNECTIONS : 1);
  const run = async (label: string, target: URL, targetHeaders: Record<string, string>): Promise<RunReport> => {
    let lastSent = 0;
    const result = await runLoad({
      target: buildTarget(target, body, { ...headers, ...targetHeaders }),
      ...(openRate === undefined ? {} : { rate: openRate }),
      connections,
      durationS,
      warmupS,
      timeoutMs: timeoutS * 1000,
      onProgress: v.quiet
        ? undefined
        : (p) => {
            const line = `${label}: ${formatProgress(p, lastSent)}`;
            lastSent = p.sent;
            io.err(io.tty ? `\r\x1b[2K${line}` : `${line}\n`);
          },
    });
    if (io.tty && !v.quiet) io.err('\n');
    return summarize(result, { label, url: `${target.origin}${target.pathname}`, rate: openRate, connections, durationS, warmupS });
  };

  const targetReport = await run('target', url, auth(key, '--key'));
  const compareReport = v.compare === undefined ? null : await run('compare', endpointUrl(v.compare, '--compare'), auth(v['compare-key'], '--compare-key'));
  const report: LoadTestReport = compareReports(targetReport, compareReport);
  io.out(v.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  const answeredOk = (r: RunReport) => Object.entries(r.status).some(([s, n]) => s.startsWith('2') && n > 0);
  return answeredOk(targetReport) && (!compareReport || answeredOk(compareReport)) ? 0 : 1;
}
