/** Traces: the list, and a trace as a waterfall (span bars on a time axis, nested by parent) with each span's detail. */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { fmt } from '../format.ts';
import { href, type Route, withParams } from '../router.ts';
import { type Column, Empty, Pager, RangePicker, rangeOf, Show, Table, useAsync } from '../ui.tsx';
import { LogDetail } from './log-detail.tsx';
import type { traceView } from '../../../modules/logs/view.ts';
import type { Log, Page } from './log-types.ts';

type Trace = ReturnType<typeof traceView>;

type SpanNode = Log & { children: SpanNode[] };

const PAGE_SIZE = 50;

const COLS: Column<Trace>[] = [
  { label: 'Start', cell: (t) => fmt.short(t.start_time), sort: 'start_time' },
  { label: 'Name', cell: (t) => t.name ?? t.trace_unique_id },
  { label: 'Spans', cell: (t) => t.span_count, num: true, sort: 'span_count' },
  { label: 'Errors', cell: (t) => t.error_count, num: true, sort: 'error_count' },
  { label: 'Tokens', cell: (t) => fmt.int(t.total_tokens), num: true, sort: 'total_tokens' },
  { label: 'Cost', cell: (t) => fmt.usd(t.total_cost), num: true, sort: 'total_cost' },
  { label: 'Duration', cell: (t) => fmt.secs(t.duration), num: true, sort: 'duration' },
];

interface Row {
  span: SpanNode;
  depth: number;
}

function flatten(nodes: SpanNode[], depth = 0, out: Row[] = []): Row[] {
  for (const n of nodes) {
    out.push({ span: n, depth });
    flatten(n.children, depth + 1, out);
  }
  return out;
}

const spanName = (s: Log) => s.span_name ?? s.model ?? s.log_type;

function Waterfall({ tree }: { tree: SpanNode[] }) {
  const rows = flatten(tree);
  const [selected, setSelected] = useState<string | null>(rows[0]?.span.unique_id ?? null);
  if (rows.length === 0) return <Empty>This trace has no spans.</Empty>;
  const t0 = Math.min(...rows.map((r) => Date.parse(r.span.start_time)));
  const t1 = Math.max(...rows.map((r) => Date.parse(r.span.timestamp)));
  const total = Math.max(t1 - t0, 1);
  const pct = (ms: number) => `${((ms / total) * 100).toFixed(3)}%`;
  const current = rows.find((r) => r.span.unique_id === selected)?.span;
  return (
    <>
      <div class="waterfall" role="group" aria-label="Spans on a time axis">
        <div class="wf-axis" aria-hidden="true">
          <span class="wf-name" />
          <span class="wf-track">
            {[0, 0.25, 0.5, 0.75, 1].map((f) => (
              <span class="tick" style={{ left: `${f * 100}%` }}>
                {fmt.secs((total * f) / 1000)}
              </span>
            ))}
          </span>
        </div>
        {rows.map(({ span, depth }) => {
          const start = Date.parse(span.start_time) - t0;
          const dur = Date.parse(span.timestamp) - Date.parse(span.start_time);
          return (
            <button
              type="button"
              class={`wf-row ${span.unique_id === selected ? 'selected' : ''}`}
              data-depth={depth}
              aria-current={span.unique_id === selected}
              aria-label={`${spanName(span)}, level ${depth + 1}, ${fmt.secs(dur / 1000)}`}
              onClick={() => setSelected(span.unique_id)}
            >
              <span class="wf-name" style={{ paddingLeft: `${depth * 16 + 4}px` }}>
                {depth > 0 ? '└ ' : ''}
                {spanName(span)}
              </span>
              <span class="wf-track">
                <span class={`wf-bar ${span.status}`} style={{ left: pct(start), width: `max(2px, ${pct(dur)})` }} />
                <span class="wf-dur" style={{ left: pct(start) }}>
                  {fmt.secs(dur / 1000)}
                </span>
              </span>
            </button>
          );
        })}
      </div>
      {current && <LogDetail log={current} key={current.unique_id} compact />}
    </>
  );
}

function TraceDetail({ id }: { id: string }) {
  const a = useAsync(() => api<Trace & { span_tree: SpanNode[] }>(`traces/${encodeURIComponent(id)}/`), id);
  return (
    <Show a={a} what="Loading the trace">
      {(t) => (
        <article class="detail" aria-label="Trace">
          <header>
            <h3>{t.name ?? t.trace_unique_id}</h3>
            <p class="muted">
              {fmt.time(t.start_time)} · {t.span_count} spans · {t.error_count} errors · {fmt.usd(t.total_cost)} ·{' '}
              {fmt.secs(t.duration)}
            </p>
          </header>
          <Waterfall tree={t.span_tree} />
        </article>
      )}
    </Show>
  );
}

export function TracesView({ route }: { route: Route }) {
  const { params, id } = route;
  const page = Number(params.get('page') ?? 1);
  const sort = params.get('sort') ?? '-start_time';
  const { start, end } = rangeOf(params);
  const list = useAsync(
    () =>
      api<Page<Trace>>('traces/list/', {
        query: { start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString(), page, page_size: PAGE_SIZE, sort_by: sort },
        body: {},
        scoped: true,
      }),
    params.toString(),
  );
  const go = (patch: Record<string, string | null>) => (location.hash = href('traces', null, withParams(params, patch)));
  if (id) {
    return (
      <div class="view">
        <a class="close" href={href('traces', null, params)}>
          ← All traces
        </a>
        <TraceDetail id={id} />
      </div>
    );
  }
  return (
    <div class="view">
      <div class="view-head">
        <h2>Traces</h2>
        <RangePicker view="traces" params={params} />
      </div>
      <Show a={list} what="Loading traces">
        {(d) =>
          d.results.length === 0 ? (
            <Empty>No traces in this time range.</Empty>
          ) : (
            <>
              <Table label="Traces" rows={d.results} cols={COLS} sort={sort} onSort={(s) => go({ sort: s, page: null })} rowHref={(t) => href('traces', t.trace_unique_id, params)} />
              <Pager page={page} pageSize={PAGE_SIZE} count={d.count} hasNext={d.next !== null} onPage={(p) => go({ page: String(p) })} />
            </>
          )
        }
      </Show>
    </div>
  );
}
