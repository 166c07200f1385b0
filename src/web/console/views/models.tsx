/** Models: every routable model with its prices, and the organization's custom models (add, delete). */
import type { Static } from '@sinclair/typebox';
import { useState } from 'preact/hooks';
import type { ModelView } from '../../../modules/models/model.ts';
import type { PublicModel } from '../../../pricing/model.ts';
import { api } from '../api.ts';
import type { Route } from '../router.ts';
import { type Column, Empty, FormError, Show, Table, useAsync, useSubmit } from '../ui.tsx';

type CustomModel = Static<typeof ModelView>;

const perM = (v: number | null) => (v === null ? 'built-in' : `$${v}`);

const PUBLIC_COLS: Column<PublicModel>[] = [
  { label: 'Model', cell: (m) => m.model_name },
  { label: 'Provider', cell: (m) => m.provider.provider_name },
  { label: 'Input / 1M', cell: (m) => perM(m.input_cost), num: true },
  { label: 'Output / 1M', cell: (m) => perM(m.output_cost), num: true },
  { label: 'Context', cell: (m) => m.max_context_window?.toLocaleString() ?? '–', num: true },
];

const SHOWN = 200;

function NewModel({ onDone }: { onDone: () => void }) {
  const [f, setF] = useState({ model_name: '', provider_id: '', base_model_name: '', input_cost: '', output_cost: '', max_context_window: '' });
  const [busy, error, submit] = useSubmit();
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="grid-form"
      aria-label="Add a custom model"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const body: Record<string, unknown> = { model_name: f.model_name.trim(), provider_id: f.provider_id.trim() };
          if (f.base_model_name.trim()) body.base_model_name = f.base_model_name.trim();
          for (const k of ['input_cost', 'output_cost', 'max_context_window'] as const) if (f[k] !== '') body[k] = Number(f[k]);
          await api('models/', { body });
          setF({ model_name: '', provider_id: '', base_model_name: '', input_cost: '', output_cost: '', max_context_window: '' });
          onDone();
        });
      }}
    >
      <label>
        Model name <input name="model_name" required value={f.model_name} onInput={set('model_name')} />
      </label>
      <label>
        Provider id <input name="provider_id" required value={f.provider_id} onInput={set('provider_id')} />
      </label>
      <label>
        Base model <input name="base_model_name" value={f.base_model_name} onInput={set('base_model_name')} />
      </label>
      <label>
        Input USD / 1M <input name="input_cost" type="number" min="0" step="any" value={f.input_cost} onInput={set('input_cost')} />
      </label>
      <label>
        Output USD / 1M <input name="output_cost" type="number" min="0" step="any" value={f.output_cost} onInput={set('output_cost')} />
      </label>
      <label>
        Context window <input name="max_context_window" type="number" min="1" value={f.max_context_window} onInput={set('max_context_window')} />
      </label>
      <div>
        <button type="submit" class="primary" disabled={busy}>
          Add model
        </button>
        <FormError error={error} />
      </div>
    </form>
  );
}

export function ModelsView(_: { route: Route }) {
  const pub = useAsync(() => api<{ models: PublicModel[] }>('models/public'), 'public');
  const custom = useAsync(() => api<{ results: CustomModel[] }>('models/'), 'custom');
  const [search, setSearch] = useState('');
  const [busy, error, submit] = useSubmit();
  const customCols: Column<CustomModel>[] = [
    { label: 'Model', cell: (m) => m.model_name },
    { label: 'Provider', cell: (m) => m.provider_id },
    { label: 'Base model', cell: (m) => m.base_model_name ?? '–' },
    { label: 'Input / 1M', cell: (m) => perM(m.input_cost), num: true },
    { label: 'Output / 1M', cell: (m) => perM(m.output_cost), num: true },
    { label: 'Context', cell: (m) => m.max_context_window?.toLocaleString() ?? '–', num: true },
    {
      label: '',
      cell: (m) => (
        <button
          type="button"
          disabled={busy}
          aria-label={`Delete ${m.model_name}`}
          onClick={() =>
            confirm(`Delete the custom model ${m.model_name}?`) &&
            submit(async () => {
              await api(`models/${encodeURIComponent(m.model_name)}/`, { method: 'DELETE' });
              custom.reload();
              pub.reload();
            })
          }
        >
          Delete
        </button>
      ),
    },
  ];
  return (
    <div class="view">
      <div class="view-head">
        <h2>Models</h2>
      </div>
      <section class="panel">
        <h4>Custom models of this organization</h4>
        <Show a={custom} what="Loading custom models">
          {(d) => (d.results.length === 0 ? <p class="muted">None yet.</p> : <Table label="Custom models" rows={d.results} cols={customCols} />)}
        </Show>
        <FormError error={error} />
        <NewModel
          onDone={() => {
            custom.reload();
            pub.reload();
          }}
        />
      </section>
      <section class="panel">
        <div class="inline">
          <h4>Every routable model (USD per 1M tokens)</h4>
          <label>
            Search <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="e.g. gpt-4o" />
          </label>
        </div>
        <Show a={pub} what="Loading models">
          {(d) => {
            const q = search.trim().toLowerCase();
            const rows = d.models.filter((m) => !q || m.model_name.toLowerCase().includes(q) || m.provider.provider_id.includes(q));
            if (rows.length === 0) return <Empty>No model matches “{search}”.</Empty>;
            return (
              <>
                <Table label="Models and prices" rows={rows.slice(0, SHOWN)} cols={PUBLIC_COLS} />
                {rows.length > SHOWN && <p class="muted">{rows.length - SHOWN} more: narrow the search.</p>}
              </>
            );
          }}
        </Show>
      </section>
    </div>
  );
}
