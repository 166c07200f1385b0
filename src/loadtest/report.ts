/**
 * What a load run reports: a JSON-ready summary per target, the latency one
 * target adds over another, the final table, the warnings that say when the
 * figures cannot be trusted, and the live progress line.
 */
import type { Percentiles } from './histogram.ts';
import type { LoadResult, Progress } from './engine.ts';

export interface RunReport {
  label: string;
  url: string;
  mode: 'rate' | 'connections';
  /** Requested rate (open loop); null for a closed loop. */
  rate: number | null;
  connections: number;
  duration_s: number;
  warmup_s: number;
  /** Requests of the measured window sent per second of it. */
  achieved_rps: number;
  /** Requests of the window that ended: answers of any status plus failures. */
  requests: number;
  /** Non-2xx answers plus failures. */
  errors: number;
  status: Record<string, number>;
  failures: Record<string, number>;
  /** From each request's scheduled start (open loop) or its send (closed loop) to the last byte. */
  latency_ms: Percentiles;
  /** Streams only: to the first SSE data event. */
  ttft_ms: Percentiles | null;
  /** Streams only: between reads that brought SSE data events, over every stream. */
  chunk_gap_ms: Percentiles | null;
  generator: {
    cpu_percent: number;
    pacing_lag_p99_ms: number;
    peak_connections: number;
    peak_queued: number;
  };
}

export type Added = Record<'p50' | 'p90' | 'p99' | 'p999' | 'max', number>;

export interface LoadTestReport {
  target: RunReport;
  compare: RunReport | null;
  /** target minus compare, ms, per percentile. */
  added_ms: { latency: Added; ttft: Added | null } | null;
}

export interface RunMeta {
  label: string;
  url: string;
  rate: number | undefined;
  connections: number;
  durationS: number;
  warmupS: number;
}

export function summarize(r: LoadResult, m: RunMeta): RunReport {
  const { rec } = r;
  const streamed = rec.ttft.count > 0;
  return {
    label: m.label,
    url: m.url,
    mode: m.rate ? 'rate' : 'connections',
    rate: m.rate ?? null,
    connections: m.connections,
    duration_s: m.durationS,
    warmup_s: m.warmupS,
    achieved_rps: round(r.achievedRate, 1),
    requests: rec.answered + sum(rec.failures.values()),
    errors: rec.errors,
    status: Object.fromEntries([...rec.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n])),
    failures: Object.fromEntries(rec.failures),
    latency_ms: ms(rec.latency.summary(1000)),
    ttft_ms: streamed ? ms(rec.ttft.summary(1000)) : null,
    chunk_gap_ms: streamed && rec.gaps.count > 0 ? ms(rec.gaps.summary(1000)) : null,
    generator: {
      cpu_percent: round(r.cpuPercent, 1),
      pacing_lag_p99_ms: round(r.lagP99Ms, 3),
      peak_connections: r.peakConnections,
      peak_queued: r.peakQueued,
    },
  };
}

export function added(a: Percentiles, b: Percentiles): Added {
  const d = (x: number, y: number) => round(x - y, 3);
  return { p50: d(a.p50, b.p50), p90: d(a.p90, b.p90), p99: d(a.p99, b.p99), p999: d(a.p999, b.p999), max: d(a.max, b.max) };
}

export function compareReports(target: RunReport, compare: RunReport | null): LoadTestReport {
  if (!compare) return { target, compare, added_ms: null };
  const ttft = target.ttft_ms && compare.ttft_ms ? added(target.ttft_ms, compare.ttft_ms) : null;
  return { target, compare, added_ms: { latency: added(target.latency_ms, compare.latency_ms), ttft } };
}

/** The final table and the notes under it. */
export function formatReport(r: LoadTestReport): string {
  const f = (v: number) => v.toFixed(3);
  const rows: string[][] = [['target', 'measure', 'req/s', 'requests', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms']];
  const pct = (p: Percentiles | Added) => [f(p.p50), f(p.p90), f(p.p99), f(p.p999), f(p.max)];
  for (const run of [r.target, r.compare]) {
    if (!run) continue;
    rows.push([run.label, 'latency', run.achieved_rps.toFixed(1), String(run.requests), String(run.errors), ...pct(run.latency_ms)]);
    if (run.ttft_ms) rows.push([run.label, 'time to first token', '', '', '', ...pct(run.ttft_ms)]);
    if (run.chunk_gap_ms) rows.push([run.label, 'gap between chunks', '', '', '', ...pct(run.chunk_gap_ms)]);
  }
  if (r.added_ms) {
    rows.push(['added', 'latency', '', '', '', ...pct(r.added_ms.latency)]);
    if (r.added_ms.ttft) rows.push(['added', 'time to first token', '', '', '', ...pct(r.added_ms.ttft)]);
  }
  const lines = [heading(r.target), '', ...table(rows), ''];
  for (const run of [r.target, r.compare]) if (run) lines.push(...notes(run).map((n) => `${run.label}: ${n}`));
  return `${lines.join('\n')}\n`;
}

function heading(t: RunReport): string {
  const load = t.rate ? `${t.rate} req/s open loop (up to ${t.connections} connections)` : `${t.connections} connections, closed loop`;
  const warm = t.warmup_s > 0 ? ` after a ${t.warmup_s} s warm-up` : '';
  return `switchyard loadtest: ${load}, ${t.duration_s} s${warm}`;
}

/** Answers by status, failures, the generator's own cost, and warnings when figures are suspect. */
export function notes(run: RunReport): string[] {
  const out = [`${run.url}`];
  const statuses = Object.entries(run.status).map(([s, n]) => `${s} x ${n}`).join(', ');
  out.push(`answers by status: ${statuses || 'none'}`);
  const failures = Object.entries(run.failures).map(([k, n]) => `${k} x ${n}`).join(', ');
  if (failures) out.push(`failures without an answer: ${failures}`);
  const g = run.generator;
  out.push(
    `load generator: ${g.cpu_percent.toFixed(0)}% of one core, peak connections ${g.peak_connections}` +
      (run.mode === 'rate' ? `, pacing lag p99 ${g.pacing_lag_p99_ms.toFixed(2)} ms` : ''),
  );
  if (g.cpu_percent > 90) out.push('WARNING: the load generator was busy most of the time; it may be what limits these figures');
  if (run.mode === 'rate' && run.rate !== null) {
    if (run.achieved_rps < run.rate * 0.95) out.push(`WARNING: sent ${run.achieved_rps.toFixed(1)} req/s of the ${run.rate} asked for`);
    if (g.peak_connections >= run.connections && g.peak_queued > 0) {
      out.push(`all ${run.connections} connections were busy at times: up to ${g.peak_queued} requests waited for one (their latency includes the wait)`);
    }
    if (g.pacing_lag_p99_ms > 10) out.push('WARNING: the pacing timer ran late; the generator or the machine is overloaded');
  }
  return out;
}

export function formatProgress(p: Progress, previousSent: number): string {
  const t =
    p.elapsedS < 0 ? `warm-up, ${(-p.elapsedS).toFixed(0)} s left` : p.elapsedS > p.durationS + 0.5 ? 'finishing' : `${Math.min(p.elapsedS, p.durationS).toFixed(0)}/${p.durationS} s`;
  const lat = p.rec.recent;
  let line =
    `[${t}] sent ${p.sent} (${p.sent - previousSent}/s), answered ${p.answered}, in flight ${p.inFlight}` +
    `${p.queued > 0 ? `, waiting ${p.queued}` : ''}, errors ${p.errors}`;
  if (lat.count > 0) line += ` | latency p50 ${(lat.percentile(50) / 1000).toFixed(2)} ms p99 ${(lat.percentile(99) / 1000).toFixed(2)} ms`;
  if (p.rec.recentTtft.count > 0) line += ` | TTFT p50 ${(p.rec.recentTtft.percentile(50) / 1000).toFixed(2)} ms`;
  return line;
}

/** Columns padded to their widest cell: text left, numbers right. */
function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function ms(p: Percentiles): Percentiles {
  return { count: p.count, min: round(p.min, 3), mean: round(p.mean, 3), p50: round(p.p50, 3), p90: round(p.p90, 3), p99: round(p.p99, 3), p999: round(p.p999, 3), max: round(p.max, 3) };
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

function sum(xs: Iterable<number>): number {
  let n = 0;
  for (const x of xs) n += x;
  return n;
}
