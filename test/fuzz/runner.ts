/**
 * Runs fuzzed requests against a gateway and checks issue 17's invariants:
 * no answer >= 500 except a 502/503/504 that comes from an upstream (on the
 * proxy routes) or a documented overload (its error code says so); no request
 * over 5 s; /health answering within its bound throughout (probed every
 * 100 ms while the run lasts). Routes come from the gateway's OpenAPI
 * document, so a new route is fuzzed without a change here.
 */
import fc from 'fast-check';
import { type FuzzRequest, type Route, requestsFor } from './requests.ts';
import type { FuzzGateway, LagHistogram } from './gateway.ts';

export interface FuzzOptions {
  perRoute: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** /health slower than this is a violation. */
  healthMs: number;
  /** A request slower than this is a violation. */
  requestMs: number;
  /** Called after each request, for a progress line. */
  progress?: (done: number, total: number, violations: number) => void;
  /** Told of each violation as it is found (a long run stopped early still says what it saw). */
  onViolation?: (v: Violation) => void;
  /** Index of routes[0] among all routes: the seed of each route's requests depends on it, so a run of one route repeats its requests in a run of all. */
  firstRouteIndex?: number;
}

/** The gateway's own event-loop lag while a route was fuzzed: timer samples taken, how many came over 50 ms, and the bucket bound the worst stayed under. */
export interface RouteLag {
  samples: number;
  over50ms: number;
  worstUnderMs: number;
}

export interface Violation {
  route: string;
  what: string;
  request: string;
}

export interface FuzzResult {
  /** Per route (`METHOD /path`), status -> count. */
  counts: Map<string, Map<string, number>>;
  violations: Violation[];
  requests: number;
  healthWorstMs: number;
  slowestMs: number;
  /** Per route, the gateway's event-loop lag (from its /metrics) while that route ran. */
  lag: Map<string, RouteLag>;
}

function lagBetween(before: LagHistogram, after: LagHistogram): RouteLag {
  const diff = [...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
  const samples = diff.at(-1)?.[1] ?? 0;
  const under50 = diff.find(([le]) => le >= 0.05)?.[1] ?? 0;
  const worst = diff.find(([, n]) => n === samples)?.[0] ?? 0;
  return { samples, over50ms: samples - under50, worstUnderMs: worst * 1000 };
}

const PROXY_ROUTE = /\/(chat\/completions|embeddings|responses|v1\/responses|anthropic\/v1\/messages)\/?$/;
const OVERLOAD_CODES = ['queue_full', 'query_timeout', 'storage_unavailable', 'shared_state_unavailable'];
/** Documented in docs/limits.md as what a proxy call answers when its upstream fails or is slow. */
const UPSTREAM_STATUSES = [502, 503, 504];

export async function fuzzRoutes(gw: FuzzGateway): Promise<Route[]> {
  const doc = (await (await fetch(`${gw.base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) routes.push({ method: method.toUpperCase(), path });
  }
  return routes;
}

/** The request as text a person can replay: method, path, headers, and the body (base64 when not UTF-8, cut at 600 bytes). */
export function replayable(r: FuzzRequest): string {
  let body = '';
  if (r.body) {
    const head = r.body.subarray(0, 600);
    let text: string;
    try {
      text = JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(head));
    } catch {
      text = `base64:${Buffer.from(head).toString('base64')}`;
    }
    body = ` body(${r.body.byteLength} bytes)=${text}${r.body.byteLength > 600 ? '…' : ''}`;
  }
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v.slice(0, 120)}`).join('; ');
  return `${r.method} ${r.path.slice(0, 300)} [${r.kind}] {${headers}}${body}`;
}

function allowed5xx(route: Route, status: number, text: string): boolean {
  if (!UPSTREAM_STATUSES.includes(status)) return false;
  if (PROXY_ROUTE.test(route.path)) return true;
  return OVERLOAD_CODES.some((c) => text.includes(`"${c}"`));
}

interface InFlight {
  at: number;
  what: string;
}

/** Probes /health from a worker; a slow answer is reported with the requests that were in flight when it was asked. */
function startHealthProbe(base: string, limitMs: number, inFlight: Set<InFlight>, report: (v: Violation) => void) {
  const worker = new Worker(new URL('./health-probe.ts', import.meta.url).href);
  let worst = 0;
  const finished = new Promise<void>((resolve) => {
    worker.onmessage = (e: MessageEvent<{ at?: number; ms?: number; done?: boolean }>) => {
      const { at = 0, ms = 0, done } = e.data;
      if (done) return resolve();
      worst = Math.max(worst, ms);
      if (ms <= limitMs) return;
      const suspects = [...inFlight].filter((r) => r.at <= at + ms).map((r) => r.what.slice(0, 160));
      report({ route: `GET /health (probe) at ${new Date(at).toISOString().slice(11, 23)}`, what: `answered in ${ms.toFixed(0)} ms`, request: `in flight: ${suspects.join(' || ')}` });
    };
  });
  worker.postMessage({ base });
  return {
    async stop(): Promise<number> {
      worker.postMessage({ stop: true });
      await finished;
      worker.terminate();
      return worst;
    },
  };
}

async function send(gw: FuzzGateway, r: FuzzRequest, limitMs: number): Promise<{ status: string; ms: number; text: string }> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${gw.base}${r.path}`, {
      method: r.method,
      headers: r.headers,
      body: r.body,
      signal: AbortSignal.timeout(limitMs * 2),
      redirect: 'manual',
    });
    const text = await res.text();
    return { status: String(res.status), ms: performance.now() - t0, text };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    return { status: name === 'TimeoutError' ? 'no answer' : `failed: ${String(err).slice(0, 80)}`, ms: performance.now() - t0, text: '' };
  }
}

/** Sends `perRoute` requests to every route, `concurrency` at a time, and checks every answer. */
export async function runFuzz(gw: FuzzGateway, routes: Route[], opts: FuzzOptions): Promise<FuzzResult> {
  const counts = new Map<string, Map<string, number>>();
  const lag = new Map<string, RouteLag>();
  const violations: Violation[] = [];
  const report = (v: Violation) => {
    violations.push(v);
    opts.onViolation?.(v);
  };
  const total = routes.length * opts.perRoute;
  let done = 0;
  let slowest = 0;
  const inFlight = new Set<InFlight>();
  const health = startHealthProbe(gw.base, opts.healthMs, inFlight, report);
  const CHUNK = 200;
  for (const [i, route] of routes.entries()) {
    const ri = i + (opts.firstRouteIndex ?? 0);
    const name = `${route.method} ${route.path}`;
    const tally = new Map<string, number>();
    counts.set(name, tally);
    const lagBefore = await gw.loopLag();
    const arb = requestsFor(route, gw.keys, gw.ids);
    for (let start = 0; start < opts.perRoute; start += CHUNK) {
      const batch = fc.sample(arb, { numRuns: Math.min(CHUNK, opts.perRoute - start), seed: opts.seed + ri * 1_000_003 + start });
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const r = batch[next++] as FuzzRequest;
          const entry = { at: Date.now(), what: `${r.method} ${r.path.slice(0, 60)} [${r.kind}] ${r.body?.byteLength ?? 0} bytes` };
          inFlight.add(entry);
          const { status, ms, text } = await send(gw, r, opts.requestMs);
          inFlight.delete(entry);
          tally.set(status, (tally.get(status) ?? 0) + 1);
          slowest = Math.max(slowest, ms);
          const code = Number(status);
          if (!Number.isInteger(code)) report({ route: name, what: status, request: replayable(r) });
          else if (code >= 500 && !allowed5xx(route, code, text)) report({ route: name, what: `${code} ${text.slice(0, 300)}`, request: replayable(r) });
          if (ms > opts.requestMs) report({ route: name, what: `took ${ms.toFixed(0)} ms (status ${status})`, request: replayable(r) });
          done++;
          opts.progress?.(done, total, violations.length);
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, worker));
    }
    lag.set(name, lagBetween(lagBefore, await gw.loopLag()));
  }
  const healthWorstMs = await health.stop();
  return { counts, violations, requests: done, healthWorstMs, slowestMs: slowest, lag };
}

/** Per-route status counts as a markdown table, one column per status seen; with `lag`, two more: loop-lag samples over 50 ms, and the bound the worst stayed under. */
export function statusTable(counts: Map<string, Map<string, number>>, lag?: Map<string, RouteLag>): string {
  const statuses = [...new Set([...counts.values()].flatMap((m) => [...m.keys()]))].sort();
  const lagHead = lag ? ' | loop lag > 50 ms | worst lag under (ms)' : '';
  const lines = [`| route | ${statuses.join(' | ')}${lagHead} |`, `| --- | ${statuses.map(() => '---:').join(' | ')}${lag ? ' | ---: | ---:' : ''} |`];
  for (const [route, m] of counts) {
    const l = lag?.get(route);
    const worst = l ? (Number.isFinite(l.worstUnderMs) ? String(l.worstUnderMs) : '> 1000') : '-';
    const lagCells = lag ? ` | ${l?.over50ms ?? '-'} | ${worst}` : '';
    lines.push(`| \`${route}\` | ${statuses.map((s) => m.get(s) ?? 0).join(' | ')}${lagCells} |`);
  }
  return lines.join('\n');
}
