/**
 * Logs explorer: the list with the API's filters (every operator, metadata__KEY,
 * customer, model, status, time range), sortable columns, paging, and the
 * selected log's detail beside it. Every filter lives in the URL:
 * `model`, `customer`, `status`, and `f=FIELD|OP|VALUE` for each condition.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { fmt } from '../format.ts';
import { href, type Route, withParams } from '../router.ts';
import { type Column, Empty, Pager, RangePicker, rangeOf, Show, Table, useAsync } from '../ui.tsx';
import { LogDetail } from './log-detail.tsx';
import type { Log, Page } from './log-types.ts';

const FIELDS = [
  'model', 'provider_id', 'status', 'status_code', 'customer_identifier', 'custom_identifier', 'thread_identifier',
  'trace_unique_id', 'log_type', 'cost', 'latency', 'time_to_first_token', 'tokens_per_second', 'prompt_tokens',
  'completion_tokens', 'total_request_tokens', 'cached_tokens', 'reasoning_tokens', 'error_message', 'api_key_id',
  'prompt_id', 'prompt_version', 'span_name', 'span_workflow_name', 'stream', 'cached', 'positive_feedback',
  'unique_id', 'input', 'output', 'start_time', 'timestamp',
];
const METADATA = 'metadata__';
const OPERATORS: [string, string][] = [
  ['eq', '='], ['iexact', '= (any case)'], ['gt', '>'], ['gte', '≥'], ['lt', '<'], ['lte', '≤'], ['contains', 'contains'],
  ['icontains', 'contains (any case)'], ['startswith', 'starts with'], ['endswith', 'ends with'], ['in', 'in (comma list)'],
  ['not', 'not in (comma list)'], ['isnull', 'is missing (true/false)'],
];
const PAGE_SIZE = 50;

interface Condition {
  field: string;
  op: string;
  value: string;
}

export function parseCondition(raw: string): Condition | null {
  const [field, op, ...rest] = raw.split('|');
  return field && op ? { field, op, value: rest.join('|') } : null;
}

/** The URL's filters as the API's body: one list of conditions per field. */
export function filtersOf(params: URLSearchParams): Record<string, { operator: string; value: string[] }[]> {
  const conds: Condition[] = params.getAll('f').map(parseCondition).filter((c): c is Condition => c !== null);
  for (const [param, field] of [['model', 'model'], ['customer', 'customer_identifier'], ['status', 'status']] as const) {
    const v = params.get(param);
    if (v) conds.push({ field, op: 'eq', value: v });
  }
  const out: Record<string, { operator: string; value: string[] }[]> = {};
  for (const c of conds) {
    const list = c.op === 'in' || c.op === 'not' ? c.value.split(',').map((v) => v.trim()).filter(Boolean) : [c.value];
    (out[c.field] ??= []).push({ operator: c.op === 'eq' ? '' : c.op, value: list });
  }
  return out;
}

function ConditionForm({ onAdd }: { onAdd: (c: Condition) => void }) {
  const [field, setField] = useState('cost');
  const [metaKey, setMetaKey] = useState('');
  const [op, setOp] = useState('gte');
  const [value, setValue] = useState('');
  return (
    <form
      class="inline condition-form"
      aria-label="Add a filter"
      onSubmit={(e) => {
        e.preventDefault();
        const f = field === METADATA ? `${METADATA}${metaKey.trim()}` : field;
        if (f === METADATA) return;
        onAdd({ field: f, op, value: value.trim() });
        setValue('');
      }}
    >
      <label>
        Field{' '}
        <select name="field" value={field} onChange={(e) => setField(e.currentTarget.value)}>
          {FIELDS.map((f) => (
            <option value={f}>{f}</option>
          ))}
          <option value={METADATA}>metadata key…</option>
        </select>
      </label>
      {field === METADATA && (
        <label>
          Key <input name="metadata_key" required value={metaKey} onInput={(e) => setMetaKey(e.currentTarget.value)} />
        </label>
      )}
      <label>
        Operator{' '}
        <select name="operator" value={op} onChange={(e) => setOp(e.currentTarget.value)}>
          {OPERATORS.map(([v, label]) => (
            <option value={v}>{label}</option>
          ))}
        </select>
      </label>
      <label>
        Value <input name="value" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <button type="submit">Add filter</button>
    </form>
  );
}

function Filters({ route }: { route: Route }) {
  const { params } = route;
  const go = (p: URLSearchParams) => {
    p.delete('page');
    location.hash = href('logs', null, p);
  };
  const [quick, setQuick] = useState({ model: params.get('model') ?? '', customer: params.get('customer') ?? '' });
  const conds = params.getAll('f');
  return (
    <section class="filters" aria-label="Filters">
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          go(withParams(params, quick));
        }}
      >
        <label>
          Model <input name="model" value={quick.model} onInput={(e) => setQuick({ ...quick, model: e.currentTarget.value })} />
        </label>
        <label>
          Customer{' '}
          <input name="customer" value={quick.customer} onInput={(e) => setQuick({ ...quick, customer: e.currentTarget.value })} />
        </label>
        <label>
          Status{' '}
          <select name="status" value={params.get('status') ?? ''} onChange={(e) => go(withParams(params, { status: e.currentTarget.value }))}>
            <option value="">any</option>
            <option value="success">success</option>
            <option value="error">error</option>
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      <ConditionForm
        onAdd={(c) => {
          const p = new URLSearchParams(params);
          p.append('f', `${c.field}|${c.op}|${c.value}`);
          go(p);
        }}
      />
      {conds.length > 0 && (
        <ul class="chips" aria-label="Active filters">
          {conds.map((raw, i) => {
            const c = parseCondition(raw);
            return (
              <li class="chip">
                {c ? `${c.field} ${OPERATORS.find(([v]) => v === c.op)?.[1] ?? c.op} ${c.value}` : raw}{' '}
                <button
                  type="button"
                  aria-label={`Remove filter ${raw}`}
                  onClick={() => {
                    const p = new URLSearchParams(params);
                    p.delete('f');
                    conds.forEach((r, j) => j !== i && p.append('f', r));
                    go(p);
                  }}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

const COLS: Column<Log>[] = [
  { label: 'Time', cell: (l) => fmt.short(l.timestamp), sort: 'timestamp' },
  { label: 'Model', cell: (l) => l.model ?? l.span_name ?? l.log_type },
  { label: 'Status', cell: (l) => <span class={`badge ${l.status}`}>{l.status_code}</span> },
  { label: 'Customer', cell: (l) => l.customer_identifier ?? '' },
  { label: 'Tokens', cell: (l) => fmt.int(l.total_request_tokens), num: true, sort: 'total_request_tokens' },
  { label: 'Cost', cell: (l) => fmt.usd(l.cost), num: true, sort: 'cost' },
  { label: 'Latency', cell: (l) => fmt.secs(l.latency), num: true, sort: 'latency' },
  { label: 'TTFT', cell: (l) => fmt.secs(l.time_to_first_token), num: true, sort: 'time_to_first_token' },
];

function SelectedLog({ id }: { id: string }) {
  const a = useAsync(() => api<Log>(`request-logs/${encodeURIComponent(id)}/`), id);
  return <Show a={a} what="Loading the log">{(log) => <LogDetail log={log} key={log.unique_id} />}</Show>;
}

export function LogsView({ route }: { route: Route }) {
  const { params, id } = route;
  const page = Number(params.get('page') ?? 1);
  const sort = params.get('sort') ?? '-timestamp';
  const { start, end } = rangeOf(params);
  const listKey = withParams(params, {}).toString();
  const list = useAsync(
    () =>
      api<Page<Log>>('request-logs/list/', {
        query: {
          start_time: new Date(start).toISOString(),
          end_time: new Date(end).toISOString(),
          page,
          page_size: PAGE_SIZE,
          sort_by: sort,
        },
        body: { filters: filtersOf(params) },
        scoped: true,
      }),
    listKey,
  );
  const go = (patch: Record<string, string | null>) => (location.hash = href('logs', id, withParams(params, patch)));
  return (
    <div class="view">
      <div class="view-head">
        <h2>Logs</h2>
        <RangePicker view="logs" id={id} params={params} />
      </div>
      <Filters route={route} key={listKey} />
      <div class={id ? 'split' : ''}>
        <section class="list" aria-label="Logs">
          <Show a={list} what="Loading logs">
            {(d) =>
              d.results.length === 0 ? (
                <Empty>No logs match these filters in this time range.</Empty>
              ) : (
                <>
                  <Table
                    label="Logs"
                    rows={d.results}
                    cols={COLS}
                    sort={sort}
                    onSort={(s) => go({ sort: s, page: null })}
                    rowHref={(l) => href('logs', l.unique_id, params)}
                    selected={(l) => l.unique_id === id}
                  />
                  <Pager
                    page={page}
                    pageSize={PAGE_SIZE}
                    count={d.count}
                    exact={d.count_exact !== false}
                    hasNext={d.next !== null}
                    onPage={(p) => go({ page: p === 1 ? null : String(p) })}
                  />
                </>
              )
            }
          </Show>
        </section>
        {id && (
          <section class="side" aria-label="Selected log">
            <a class="close" href={href('logs', null, params)}>
              ← Back to the list
            </a>
            <SelectedLog id={id} />
          </section>
        )}
      </div>
    </div>
  );
}

