/** API keys of the organization: create (the key is shown once), list, revoke. */
import type { Static } from '@sinclair/typebox';
import { useState } from 'preact/hooks';
import type { KeyView } from '../../../modules/keys/model.ts';
import { api, session } from '../api.ts';
import { fmt } from '../format.ts';
import type { Route } from '../router.ts';
import { type Column, Empty, FormError, Show, Table, useAsync, useSubmit } from '../ui.tsx';

type Key = Static<typeof KeyView>;

function CreateKey({ onCreated }: { onCreated: (k: Key & { api_key: string }) => void }) {
  const [form, setForm] = useState({ name: '', env: session.env as string, role: 'member', expiry: '', rate_limit: '', spending_limit: '' });
  const [busy, error, submit] = useSubmit();
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="grid-form"
      aria-label="Create a key"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const body: Record<string, unknown> = { name: form.name.trim(), is_test: form.env === 'test', role: form.role };
          if (form.expiry) body.expiry_date = new Date(form.expiry).toISOString();
          if (form.rate_limit) body.rate_limit = Number(form.rate_limit);
          if (form.spending_limit) body.spending_limit = Number(form.spending_limit);
          onCreated(await api<Key & { api_key: string }>('temporary-keys/', { body }));
          setForm({ ...form, name: '' });
        });
      }}
    >
      <label>
        Name <input name="name" required value={form.name} onInput={set('name')} />
      </label>
      <label>
        Environment
        <select name="env" value={form.env} onChange={set('env')}>
          <option value="prod">prod</option>
          <option value="test">test</option>
        </select>
      </label>
      <label>
        Role
        <select name="role" value={form.role} onChange={set('role')}>
          <option value="member">member (calls, ingest, reads)</option>
          <option value="read_only">read_only</option>
          <option value="admin">admin</option>
        </select>
      </label>
      <label>
        Expires <input name="expiry" type="datetime-local" value={form.expiry} onInput={set('expiry')} />
      </label>
      <label>
        Rate limit (requests/min) <input name="rate_limit" type="number" min="1" value={form.rate_limit} onInput={set('rate_limit')} />
      </label>
      <label>
        Spending limit (USD) <input name="spending_limit" type="number" min="0" step="any" value={form.spending_limit} onInput={set('spending_limit')} />
      </label>
      <div>
        <button type="submit" class="primary" disabled={busy || !form.name.trim()}>
          Create key
        </button>
        <FormError error={error} />
      </div>
    </form>
  );
}

export function KeysView(_: { route: Route }) {
  const list = useAsync(() => api<{ results: Key[] }>('temporary-keys/'), 'keys');
  const [created, setCreated] = useState<(Key & { api_key: string }) | null>(null);
  const [busy, error, submit] = useSubmit();
  const own = session.key?.split('.')[0];
  const cols: Column<Key>[] = [
    { label: 'Name', cell: (k) => k.name },
    { label: 'Prefix', cell: (k) => <code>{k.prefix}</code> },
    { label: 'Env', cell: (k) => k.environment },
    { label: 'Role', cell: (k) => k.role },
    { label: 'Created', cell: (k) => fmt.short(k.created_at) },
    { label: 'Expires', cell: (k) => (k.expiry_date ? fmt.short(k.expiry_date) : 'never') },
    { label: 'Uses', cell: (k) => `${fmt.int(k.usage_count)}${k.max_usage >= 0 ? ` / ${k.max_usage}` : ''}`, num: true },
    { label: 'Spent', cell: (k) => `${fmt.usd(k.spent)}${k.spending_limit !== null ? ` / ${fmt.usd(k.spending_limit)}` : ''}`, num: true },
    { label: 'Rate limit', cell: (k) => (k.rate_limit ? `${k.rate_limit}/min` : '–'), num: true },
    {
      label: 'State',
      cell: (k) =>
        k.revoked ? (
          <span class="badge error">revoked</span>
        ) : k.prefix === own ? (
          <span class="badge">this session</span>
        ) : (
          <button
            type="button"
            disabled={busy}
            aria-label={`Revoke ${k.name} (${k.prefix})`}
            onClick={() =>
              confirm(`Revoke the key "${k.name}" (${k.prefix})? Calls with it will be refused at once.`) &&
              submit(async () => {
                await api(`temporary-keys/${k.id}/`, { method: 'PATCH', body: { revoked: true } });
                list.reload();
              })
            }
          >
            Revoke
          </button>
        ),
    },
  ];
  return (
    <div class="view">
      <div class="view-head">
        <h2>API keys</h2>
      </div>
      <section class="panel">
        <h4>New key</h4>
        <CreateKey
          onCreated={(k) => {
            setCreated(k);
            list.reload();
          }}
        />
        {created && (
          <div class="callout" role="status">
            <p>
              Key <strong>{created.name}</strong> created. Copy it now: it is shown only once.
            </p>
            <div class="inline">
              <code class="secret" data-testid="new-key">
                {created.api_key}
              </code>
              <button type="button" onClick={() => navigator.clipboard?.writeText(created.api_key)}>
                Copy
              </button>
              <button type="button" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </section>
      <FormError error={error} />
      <Show a={list} what="Loading keys">
        {(d) => (d.results.length === 0 ? <Empty>No keys.</Empty> : <Table label="API keys" rows={d.results} cols={cols} />)}
      </Show>
    </div>
  );
}
