/** Building blocks every view uses: async loading, states, tables, paging, the time range. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { toLocalInput } from './format.ts';
import { href, withParams } from './router.ts';

export interface Async<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` whenever `key` changes; a stale answer never overwrites a newer one. */
export function useAsync<T>(load: () => Promise<T>, key: string): Async<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => run === latest.current && setState({ data, error: null, loading: false }),
      (error: Error) => run === latest.current && setState({ data: null, error, loading: false }),
    );
    // `key` stands for everything `load` reads.
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: Error | string; retry?: () => void }) {
  return (
    <div class="error-box" role="alert">
      <strong>Error</strong>
      <pre>{typeof error === 'string' ? error : error.message}</pre>
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** A form's error from the API, announced to screen readers. */
export function FormError({ error }: { error: string | null }) {
  return error ? (
    <p class="error-text" role="alert">
      {error}
    </p>
  ) : null;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

/** Loading, error or the content: the three states of every panel. */
export function Show<T>({ a, children, what }: { a: Async<T>; children: (data: T) => ComponentChildren; what?: string }) {
  if (a.error) return <ErrorBox error={a.error} retry={a.reload} />;
  if (a.data === null) return <Loading what={what} />;
  return <>{children(a.data)}</>;
}

export interface Column<R> {
  label: string;
  cell: (row: R) => ComponentChildren;
  /** The API's sort field, when the column sorts. */
  sort?: string;
  num?: boolean;
}

/** A table whose sortable headers are buttons (keyboard reachable); `sort` is the API's `-field` form. */
export function Table<R>(props: {
  rows: R[];
  cols: Column<R>[];
  sort?: string;
  onSort?: (sort: string) => void;
  rowHref?: (row: R) => string;
  selected?: (row: R) => boolean;
  label: string;
}) {
  const { rows, cols, sort, onSort, rowHref, selected } = props;
  const field = sort?.replace(/^-/, '');
  const desc = sort?.startsWith('-');
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {cols.map((c) => (
              <th class={c.num ? 'num' : ''} aria-sort={c.sort && c.sort === field ? (desc ? 'descending' : 'ascending') : undefined}>
                {c.sort && onSort ? (
                  <button type="button" class="sort" onClick={() => onSort(c.sort === field && desc ? (c.sort as string) : `-${c.sort}`)}>
                    {c.label}
                    <span aria-hidden="true">{c.sort === field ? (desc ? ' ▼' : ' ▲') : ''}</span>
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              class={`${rowHref ? 'link' : ''} ${selected?.(r) ? 'selected' : ''}`}
              onClick={rowHref ? (e) => !(e.target as HTMLElement).closest('a,button') && (location.hash = rowHref(r)) : undefined}
            >
              {cols.map((c, i) => (
                <td class={c.num ? 'num' : ''}>{i === 0 && rowHref ? <a href={rowHref(r)}>{c.cell(r)}</a> : c.cell(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pager({ page, pageSize, count, exact = true, hasNext, onPage }: {
  page: number;
  pageSize: number;
  count: number;
  exact?: boolean;
  hasNext: boolean;
  onPage: (page: number) => void;
}) {
  const first = count === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(page * pageSize, exact ? count : Number.POSITIVE_INFINITY);
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span>
        {first}–{Number.isFinite(last) ? last : page * pageSize} of {exact ? count : `more than ${count - 1}`}
      </span>
      <button type="button" disabled={!hasNext} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}

export const RANGES: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** The time range a URL names: `range=1h|24h|7d|30d` (default 24h) or `range=custom&from=ISO&to=ISO`. */
export function rangeOf(params: URLSearchParams): { start: number; end: number } {
  const range = params.get('range') ?? '24h';
  if (range === 'custom') {
    const start = Date.parse(params.get('from') ?? '');
    const end = Date.parse(params.get('to') ?? '');
    if (Number.isFinite(start) && Number.isFinite(end) && start < end) return { start, end };
  }
  const end = Date.now();
  return { start: end - (RANGES[range] ?? RANGES['24h'] as number), end };
}

export function RangePicker({ view, id, params }: { view: string; id?: string | null; params: URLSearchParams }) {
  const range = params.get('range') ?? '24h';
  const { start, end } = rangeOf(params);
  const go = (patch: Record<string, string | null>) => {
    location.hash = href(view, id ?? null, withParams(params, { ...patch, page: null }));
  };
  return (
    <div class="range" role="group" aria-label="Time range">
      {Object.keys(RANGES).map((r) => (
        <button type="button" class={range === r ? 'on' : ''} aria-pressed={range === r} onClick={() => go({ range: r, from: null, to: null })}>
          {r}
        </button>
      ))}
      <button
        type="button"
        class={range === 'custom' ? 'on' : ''}
        aria-pressed={range === 'custom'}
        onClick={() => go({ range: 'custom', from: new Date(start).toISOString(), to: new Date(end).toISOString() })}
      >
        Custom
      </button>
      {range === 'custom' && (
        <>
          <label>
            From{' '}
            <input
              type="datetime-local"
              value={toLocalInput(start)}
              onChange={(e) => go({ from: new Date(e.currentTarget.value).toISOString() })}
            />
          </label>
          <label>
            To{' '}
            <input type="datetime-local" value={toLocalInput(end)} onChange={(e) => go({ to: new Date(e.currentTarget.value).toISOString() })} />
          </label>
        </>
      )}
    </div>
  );
}

export function JsonBlock({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** The raw JSON behind a toggle. */
export function RawToggle({ value, label = 'Raw JSON' }: { value: unknown; label?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="raw">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'} {label}
      </button>
      {open && <JsonBlock value={value} />}
    </div>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat" title={hint}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}

/** A form's submit state: busy while the call runs, the API's error shown under it. */
export function useSubmit(): [boolean, string | null, (run: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (run: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return [busy, error, submit];
}
