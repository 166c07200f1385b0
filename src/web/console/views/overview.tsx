/** Overview: the cards, the time series and the breakdowns of a time range. */
import { useMemo, useState } from 'preact/hooks';
import { Chart, COLORS } from '../chart.tsx';
import { fmt } from '../format.ts';
import { href, type Route, withParams } from '../router.ts';
import { type Column, RangePicker, rangeOf, Show, Stat, Table, useAsync } from '../ui.tsx';
import { analytics, type Breakdown, type Figures, type Timeseries } from './analytics.ts';

function Cards({ f }: { f: Figures }) {
  return (
    <section class="cards" aria-label="Totals">
      <Stat label="Requests" value={fmt.int(f.requests)} />
      <Stat label="Error rate" value={fmt.pct(f.error_rate)} hint={`${f.errors} errors`} />
      <Stat label="Cost" value={fmt.usd(f.cost)} />
      <Stat label="Tokens" value={fmt.compact(f.total_tokens)} hint={`${f.prompt_tokens} prompt, ${f.completion_tokens} completion`} />
      <Stat label="Latency p50" value={fmt.secs(f.latency_p50)} hint="approximate" />
      <Stat label="Latency p95" value={fmt.secs(f.latency_p95)} hint="approximate" />
      <Stat label="Cache hit rate" value={fmt.pct(f.cache_hit_rate)} hint={`${f.cache_hits} hits`} />
      <Stat label="TTFT avg" value={fmt.secs(f.ttft_avg)} />
    </section>
  );
}

function Charts({ ts }: { ts: Timeseries }) {
  const x = useMemo(() => ts.results.map((p) => Date.parse(p.time)), [ts]);
  const pick = (k: keyof Figures) => ts.results.map((p) => p[k] as number | null);
  const charts = useMemo(
    () => [
      { title: 'Requests', format: fmt.compact, bars: true, series: [
        { label: 'requests', values: pick('requests'), color: COLORS[0] as string },
        { label: 'errors', values: pick('errors'), color: COLORS[1] as string },
      ] },
      { title: 'Cost (USD)', format: fmt.usd, series: [{ label: 'cost', values: pick('cost'), color: COLORS[2] as string }] },
      { title: 'Tokens', format: fmt.compact, series: [
        { label: 'prompt', values: pick('prompt_tokens'), color: COLORS[3] as string },
        { label: 'completion', values: pick('completion_tokens'), color: COLORS[4] as string },
      ] },
      { title: 'Latency', format: fmt.secs, series: [
        { label: 'p50', values: pick('latency_p50'), color: COLORS[0] as string },
        { label: 'p95', values: pick('latency_p95'), color: COLORS[1] as string },
      ] },
      { title: 'Error rate', format: fmt.pct, series: [{ label: 'error rate', values: pick('error_rate'), color: COLORS[1] as string }] },
      { title: 'Cache hit rate', format: fmt.pct, series: [{ label: 'hit rate', values: pick('cache_hit_rate'), color: COLORS[5] as string }] },
    ],
    [ts],
  );
  return (
    <section class="charts" aria-label={`Time series, ${ts.bucket} buckets`}>
      {charts.map((c) => (
        <Chart title={c.title} x={x} series={c.series} format={c.format} bars={c.bars ?? false} />
      ))}
    </section>
  );
}

type Row = Breakdown['results'][number];

function BreakdownPanel({ title, by, query, link }: { title: string; by: string; query: Record<string, string>; link?: (r: Row) => string }) {
  const [order, setOrder] = useState('requests');
  const q = { ...query, by, order_by: order, limit: 10 };
  const a = useAsync(() => analytics.breakdown(q), JSON.stringify(q));
  const cols: Column<Row>[] = [
    { label: title, cell: (r) => (r.key === null ? <span class="muted">(none)</span> : link ? <a href={link(r)}>{r.label ?? r.key}</a> : (r.label ?? r.key)) },
    { label: 'Requests', cell: (r) => fmt.int(r.requests), num: true, sort: 'requests' },
    { label: 'Errors', cell: (r) => fmt.int(r.errors), num: true, sort: 'errors' },
    { label: 'Cost', cell: (r) => fmt.usd(r.cost), num: true, sort: 'cost' },
    { label: 'Tokens', cell: (r) => fmt.compact(r.total_tokens), num: true, sort: 'total_tokens' },
    { label: 'p50', cell: (r) => fmt.secs(r.latency_p50), num: true },
    { label: 'p95', cell: (r) => fmt.secs(r.latency_p95), num: true },
  ];
  return (
    <section class="panel" aria-label={`By ${title}`}>
      <h3>By {title.replace(/^[A-Z][a-z]/, (m) => m.toLowerCase())}</h3>
      <Show a={a}>
        {(d) =>
          d.results.length === 0 ? (
            <p class="muted">No calls in this range.</p>
          ) : (
            <Table label={`By ${title}`} rows={d.results} cols={cols} sort={`-${order}`} onSort={(s) => setOrder(s.replace(/^-/, ''))} />
          )
        }
      </Show>
    </section>
  );
}

export function OverviewView({ route }: { route: Route }) {
  const { params } = route;
  const { start, end } = rangeOf(params);
  const query = { start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString() };
  const key = `${params.toString()}|${Math.floor(Date.now() / 60_000)}`;
  const summary = useAsync(() => analytics.summary(query), key);
  const series = useAsync(() => analytics.timeseries(query), key);
  const metaKey = params.get('meta') ?? '';
  const [metaInput, setMetaInput] = useState(metaKey);
  const logsLink = (field: string) => (r: Row) =>
    href('logs', null, withParams(params, { [field]: r.key, meta: null }));
  return (
    <div class="view">
      <div class="view-head">
        <h2>Overview</h2>
        <RangePicker view="overview" params={params} />
      </div>
      <Show a={summary} what="Loading totals">
        {(f) => <Cards f={f} />}
      </Show>
      <Show a={series} what="Loading time series">
        {(ts) => <Charts ts={ts} />}
      </Show>
      <div class="breakdowns">
        <BreakdownPanel title="Model" by="model" query={query} link={logsLink('model')} />
        <BreakdownPanel title="Provider" by="provider" query={query} />
        <BreakdownPanel title="Customer" by="customer" query={query} link={(r) => href('customers', r.key, withParams(params, { meta: null }))} />
        <BreakdownPanel title="API key" by="api_key" query={query} />
        <section class="panel">
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              location.hash = href('overview', null, withParams(params, { meta: metaInput.trim() }));
            }}
          >
            <label>
              Metadata key <input value={metaInput} onInput={(e) => setMetaInput(e.currentTarget.value)} placeholder="e.g. team" />
            </label>
            <button type="submit">Break down</button>
          </form>
          {metaKey ? (
            <BreakdownPanel title={`metadata.${metaKey}`} by={`metadata.${metaKey}`} query={query} />
          ) : (
            <p class="muted">Name a metadata key to break the calls down by its values.</p>
          )}
        </section>
      </div>
    </div>
  );
}
