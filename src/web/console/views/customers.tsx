/**
 * Customers: the list, and a customer with usage charts per day, week or
 * month, its budgets (state, used and remaining) and an editable budget and
 * rate limit.
 */
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Chart, COLORS } from '../chart.tsx';
import { fmt } from '../format.ts';
import { href, type Route, withParams } from '../router.ts';
import { type Column, Empty, FormError, Pager, Show, Stat, Table, useAsync, useSubmit } from '../ui.tsx';
import { analytics, type Timeseries } from './analytics.ts';
import type { detailView, listRow } from '../../../modules/customers/views.ts';
import type { Page } from './log-types.ts';

type Customer = ReturnType<typeof listRow>;
type Detail = ReturnType<typeof detailView>;

const PAGE_SIZE = 50;

const COLS: Column<Customer>[] = [
  { label: 'Customer', cell: (c) => c.customer_identifier, sort: 'customer_identifier' },
  { label: 'Name', cell: (c) => c.name },
  { label: 'Requests', cell: (c) => fmt.int(c.number_of_requests), num: true, sort: 'number_of_requests' },
  { label: 'Tokens', cell: (c) => fmt.compact(c.total_tokens), num: true, sort: 'total_tokens' },
  { label: 'Cost', cell: (c) => fmt.usd(c.total_cost), num: true, sort: 'total_cost' },
  { label: 'Period budget', cell: (c) => (c.period_budget === null ? '–' : `${fmt.usd(c.period_budget)} / ${c.budget_duration ?? 'monthly'}`), num: true },
  { label: 'Rate limit', cell: (c) => (c.rate_limit === null ? '–' : `${c.rate_limit}/min`), num: true },
  { label: 'Last active', cell: (c) => fmt.short(c.last_active), sort: 'last_active' },
];

const DAY = 86_400_000;
const GRAINS = { day: { days: 30, label: 'Per day' }, week: { days: 84, label: 'Per week' }, month: { days: 365, label: 'Per month' } };
type Grain = keyof typeof GRAINS;

/** Daily buckets summed into UTC weeks (from Monday) or months. */
function regroup(ts: Timeseries, grain: Grain): { x: number[]; cost: number[]; requests: number[]; errors: number[] } {
  const groups = new Map<number, { cost: number; requests: number; errors: number }>();
  for (const p of ts.results) {
    const d = new Date(p.time);
    const start =
      grain === 'day'
        ? d.getTime()
        : grain === 'week'
          ? d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY
          : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const g = groups.get(start) ?? { cost: 0, requests: 0, errors: 0 };
    g.cost += p.cost;
    g.requests += p.requests;
    g.errors += p.errors;
    groups.set(start, g);
  }
  const x = [...groups.keys()].sort((a, b) => a - b);
  const at = (k: 'cost' | 'requests' | 'errors') => x.map((t) => groups.get(t)?.[k] ?? 0);
  return { x, cost: at('cost'), requests: at('requests'), errors: at('errors') };
}

function Usage({ id }: { id: string }) {
  const [grain, setGrain] = useState<Grain>('day');
  const end = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) + DAY;
  const q = { customer_identifier: id, bucket: '1d', start_time: new Date(end - GRAINS[grain].days * DAY).toISOString(), end_time: new Date(end).toISOString() };
  const a = useAsync(() => analytics.timeseries(q), JSON.stringify(q));
  const data = useMemo(() => (a.data ? regroup(a.data, grain) : null), [a.data, grain]);
  return (
    <section class="panel" aria-label="Usage">
      <div class="view-head">
        <h4>Usage</h4>
        <div class="range" role="group" aria-label="Granularity">
          {(Object.keys(GRAINS) as Grain[]).map((g) => (
            <button type="button" class={g === grain ? 'on' : ''} aria-pressed={g === grain} onClick={() => setGrain(g)}>
              {GRAINS[g].label}
            </button>
          ))}
        </div>
      </div>
      <Show a={a} what="Loading usage">
        {() =>
          data && (
            <div class="charts two">
              <Chart title="Cost (USD, before markup)" x={data.x} bars format={fmt.usd} series={[{ label: 'cost', values: data.cost, color: COLORS[2] as string }]} />
              <Chart
                title="Requests"
                x={data.x}
                bars
                format={fmt.compact}
                series={[
                  { label: 'requests', values: data.requests, color: COLORS[0] as string },
                  { label: 'errors', values: data.errors, color: COLORS[1] as string },
                ]}
              />
            </div>
          )
        }
      </Show>
    </section>
  );
}

const remaining = (budget: number | null, used: number) => (budget === null ? null : Math.max(budget - used, 0));

function BudgetForm({ c, onSaved }: { c: Detail; onSaved: (d: Detail) => void }) {
  const [form, setForm] = useState({
    period_budget: c.period_budget?.toString() ?? '',
    budget_duration: c.budget_duration ?? 'monthly',
    total_budget: c.total_budget?.toString() ?? '',
    rate_limit: c.rate_limit?.toString() ?? '',
  });
  const [busy, error, submit] = useSubmit();
  const [saved, setSaved] = useState(false);
  const numOrNull = (v: string) => (v.trim() === '' ? null : Number(v));
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="grid-form"
      aria-label="Budget and rate limit"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void submit(async () => {
          const d = await api<Detail>(`users/${encodeURIComponent(c.customer_identifier)}/`, {
            method: 'PATCH',
            scoped: true,
            body: {
              period_budget: numOrNull(form.period_budget),
              budget_duration: form.budget_duration,
              total_budget: numOrNull(form.total_budget),
              rate_limit: numOrNull(form.rate_limit),
            },
          });
          onSaved(d);
          setSaved(true);
        });
      }}
    >
      <label>
        Period budget (USD)
        <input name="period_budget" type="number" min="0" step="any" value={form.period_budget} onInput={set('period_budget')} placeholder="none" />
      </label>
      <label>
        Period
        <select name="budget_duration" value={form.budget_duration} onChange={set('budget_duration')}>
          {['daily', 'weekly', 'monthly', 'yearly'].map((d) => (
            <option value={d}>{d}</option>
          ))}
        </select>
      </label>
      <label>
        Total budget (USD)
        <input name="total_budget" type="number" min="0" step="any" value={form.total_budget} onInput={set('total_budget')} placeholder="none" />
      </label>
      <label>
        Rate limit (requests/min)
        <input name="rate_limit" type="number" min="1" step="1" value={form.rate_limit} onInput={set('rate_limit')} placeholder="none" />
      </label>
      <div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        {saved && !busy && <span class="ok-text"> Saved.</span>}
        <FormError error={error} />
      </div>
    </form>
  );
}

function CustomerDetail({ id }: { id: string }) {
  const a = useAsync(() => api<Detail>(`users/${encodeURIComponent(id)}/`, { scoped: true }), id);
  const [fresh, setFresh] = useState<Detail | null>(null);
  return (
    <Show a={a} what="Loading the customer">
      {(loaded) => {
        const c = fresh ?? loaded;
        return (
          <article class="detail" aria-label="Customer">
            <header>
              <h3>{c.customer_identifier}</h3>
              <p class="muted">
                {[c.name, c.email].filter(Boolean).join(' · ') || 'No name or email'} ·{' '}
                <a href={href('logs', null, { customer: c.customer_identifier })}>Logs of this customer</a>
              </p>
            </header>
            <div class="stats">
              <Stat label="Requests" value={fmt.int(c.number_of_requests)} />
              <Stat label="Errors" value={fmt.int(c.errors)} />
              <Stat label="Cost (billed)" value={fmt.usd(c.total_cost)} />
              <Stat label="Avg latency" value={fmt.secs(c.average_latency)} />
            </div>
            <section class="panel budgets" aria-label="Budgets">
              <h4>Budgets</h4>
              <dl class="facts">
                <dt>Period budget</dt>
                <dd data-testid="period-budget">
                  {c.period_budget === null
                    ? 'none'
                    : `${fmt.usd(c.total_period_usage)} used of ${fmt.usd(c.period_budget)} ${c.budget_duration ?? 'monthly'} · ${fmt.usd(remaining(c.period_budget, c.total_period_usage))} remaining`}
                </dd>
                <dt>Period</dt>
                <dd>
                  {fmt.time(c.period_start)} – {fmt.time(c.period_end)} · <span class={`badge ${c.period_state === 'active' ? 'success' : ''}`}>{c.period_state}</span>
                  {c.period_budget !== null && c.total_period_usage >= c.period_budget && <span class="badge error">exhausted</span>}
                </dd>
                <dt>Total budget</dt>
                <dd>
                  {c.total_budget === null
                    ? 'none'
                    : `${fmt.usd(c.total_usage)} used of ${fmt.usd(c.total_budget)} · ${fmt.usd(remaining(c.total_budget, c.total_usage))} remaining`}
                </dd>
                <dt>Rate limit</dt>
                <dd>{c.rate_limit === null ? 'none' : `${c.rate_limit} requests per minute`}</dd>
              </dl>
              <BudgetForm c={c} onSaved={setFresh} key={c.customer_identifier} />
            </section>
            <Usage id={id} />
          </article>
        );
      }}
    </Show>
  );
}

export function CustomersView({ route }: { route: Route }) {
  const { params, id } = route;
  const page = Number(params.get('page') ?? 1);
  const sort = params.get('sort') ?? '-last_active';
  const list = useAsync(
    () => api<Page<Customer>>('users/list/', { query: { page, page_size: PAGE_SIZE, sort_by: sort }, scoped: true }),
    params.toString(),
  );
  const go = (patch: Record<string, string | null>) => (location.hash = href('customers', null, withParams(params, patch)));
  if (id) {
    return (
      <div class="view">
        <a class="close" href={href('customers', null, withParams(params, { range: null, from: null, to: null, meta: null }))}>
          ← All customers
        </a>
        <CustomerDetail id={id} />
      </div>
    );
  }
  return (
    <div class="view">
      <div class="view-head">
        <h2>Customers</h2>
      </div>
      <Show a={list} what="Loading customers">
        {(d) =>
          d.results.length === 0 ? (
            <Empty>No customers yet. A call names its customer with customer_identifier or customer_params.</Empty>
          ) : (
            <>
              <Table label="Customers" rows={d.results} cols={COLS} sort={sort} onSort={(s) => go({ sort: s, page: null })} rowHref={(c) => href('customers', c.customer_identifier, params)} />
              <Pager page={page} pageSize={PAGE_SIZE} count={d.count} hasNext={d.next !== null} onPage={(p) => go({ page: String(p) })} />
            </>
          )
        }
      </Show>
    </div>
  );
}
