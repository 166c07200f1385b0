/** Prompts: the list, and a prompt's versions side by side with a diff, deploy, a new version and a try-it form. */
import type { Static } from '@sinclair/typebox';
import { diffLines } from 'diff';
import type { PromptView, VersionView } from '../../../modules/prompts/model.ts';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { fmt } from '../format.ts';
import type { Message } from '../messages.tsx';
import { Conversation } from '../messages.tsx';
import { href, type Route, withParams } from '../router.ts';
import { type Column, Empty, FormError, Show, Table, useAsync, useSubmit } from '../ui.tsx';

type Version = Static<typeof VersionView>;
type Prompt = Static<typeof PromptView>;

const COLS: Column<Prompt>[] = [
  { label: 'Name', cell: (p) => p.name },
  { label: 'Versions', cell: (p) => p.version_count, num: true },
  { label: 'Live', cell: (p) => (p.live_version ? `v${p.live_version.version}` : 'none'), num: true },
  { label: 'Model', cell: (p) => p.live_version?.model ?? p.current_version?.model ?? '' },
  { label: 'Updated', cell: (p) => fmt.short(p.updated_at) },
];

/** A version as text lines, the unit of the diff. */
function asText(v: Version): string {
  const params = (['model', 'temperature', 'max_tokens', 'top_p', 'frequency_penalty', 'presence_penalty', 'stop', 'tools', 'response_format', 'fallback_models'] as const)
    .filter((k) => v[k] !== null && v[k] !== undefined)
    .map((k) => `${k}: ${JSON.stringify(v[k])}`);
  const msgs = v.messages.map((m) => `[${m.role}]\n${typeof m.content === 'string' ? m.content : JSON.stringify(m.content, null, 2)}`);
  return `${[...params, '', ...msgs].join('\n')}\n`;
}

type Cell = { text: string; kind: 'same' | 'del' | 'add' | 'none' };

/** Side-by-side rows: a removed block is paired line by line with the added block after it. */
function sideBySide(a: string, b: string): [Cell, Cell][] {
  const rows: [Cell, Cell][] = [];
  const parts = diffLines(a, b);
  const lines = (s: string) => s.replace(/\n$/, '').split('\n');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (!p) continue;
    if (!p.added && !p.removed) {
      for (const l of lines(p.value)) rows.push([{ text: l, kind: 'same' }, { text: l, kind: 'same' }]);
      continue;
    }
    const next = parts[i + 1];
    const del = p.removed ? lines(p.value) : [];
    const add = p.added ? lines(p.value) : next?.added ? lines(next.value) : [];
    if (p.removed && next?.added) i++;
    for (let j = 0; j < Math.max(del.length, add.length); j++) {
      const l = del[j];
      const r = add[j];
      rows.push([l === undefined ? { text: '', kind: 'none' } : { text: l, kind: 'del' }, r === undefined ? { text: '', kind: 'none' } : { text: r, kind: 'add' }]);
    }
  }
  return rows;
}

function Diff({ a, b }: { a: Version; b: Version }) {
  const rows = sideBySide(asText(a), asText(b));
  return (
    <div class="diff" role="table" aria-label={`Version ${a.version} and version ${b.version} side by side`}>
      <div class="diff-head" role="row">
        <span role="columnheader">v{a.version}{a.is_deployed ? ' (live)' : ''}</span>
        <span role="columnheader">v{b.version}{b.is_deployed ? ' (live)' : ''}</span>
      </div>
      {rows.map(([l, r]) => (
        <div class="diff-row" role="row">
          <pre role="cell" class={l.kind}>{l.text}</pre>
          <pre role="cell" class={r.kind}>{r.text}</pre>
        </div>
      ))}
    </div>
  );
}

function NewVersion({ prompt, base, onDone }: { prompt: Prompt; base: Version | null; onDone: () => void }) {
  const [model, setModel] = useState(base?.model ?? 'mock/echo');
  const [messages, setMessages] = useState(JSON.stringify(base?.messages ?? [{ role: 'user', content: 'Hello {{name}}' }], null, 2));
  const [deploy, setDeploy] = useState(false);
  const [busy, error, submit] = useSubmit();
  return (
    <form
      class="stack"
      aria-label="New version"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(messages);
          } catch {
            throw new Error('messages: not valid JSON');
          }
          await api(`prompts/${prompt.prompt_id}/versions/`, { body: { model, messages: parsed, deploy } });
          onDone();
        });
      }}
    >
      <label>
        Model <input name="model" required value={model} onInput={(e) => setModel(e.currentTarget.value)} />
      </label>
      <label>
        Messages (JSON; {'{{variables}}'} in the text)
        <textarea name="messages" rows={6} class="mono" value={messages} onInput={(e) => setMessages(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={deploy} onChange={(e) => setDeploy(e.currentTarget.checked)} /> Deploy it now
      </label>
      <button type="submit" disabled={busy}>
        Create version
      </button>
      <FormError error={error} />
    </form>
  );
}

interface Completion {
  choices?: { message?: Message }[];
  usage?: { total_tokens?: number };
}

function TryIt({ v }: { v: Version }) {
  const [vars, setVars] = useState<Record<string, string>>({});
  const [answer, setAnswer] = useState<Completion | null>(null);
  const [busy, error, submit] = useSubmit();
  return (
    <form
      class="stack"
      aria-label={`Try version ${v.version}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          setAnswer(null);
          setAnswer(
            await api<Completion>('chat/completions', {
              body: { model: v.model, messages: [], prompt: { prompt_id: v.prompt_id, version: v.version, variables: vars } },
            }),
          );
        });
      }}
    >
      {v.variables.length === 0 && <p class="muted">This version has no variables.</p>}
      {v.variables.map((name) => (
        <label>
          {name} <input name={name} value={vars[name] ?? ''} onInput={(e) => setVars({ ...vars, [name]: e.currentTarget.value })} />
        </label>
      ))}
      <button type="submit" disabled={busy}>
        {busy ? 'Running…' : `Run v${v.version}`}
      </button>
      <FormError error={error} />
      {answer && <Conversation messages={answer.choices?.map((c) => c.message ?? {}) ?? []} />}
    </form>
  );
}

function PromptDetail({ id, params }: { id: string; params: URLSearchParams }) {
  const a = useAsync(() => api<Prompt>(`prompts/${encodeURIComponent(id)}/`), id);
  const [busy, error, submit] = useSubmit();
  return (
    <Show a={a} what="Loading the prompt">
      {(p) => {
        const versions = p.versions ?? [];
        const pick = (k: string, fallback: Version | undefined) => versions.find((v) => String(v.version) === params.get(k)) ?? fallback;
        const right = pick('b', versions[versions.length - 1]);
        const left = pick('a', p.live_version && p.live_version.version !== right?.version ? p.live_version : versions[versions.length - 2] ?? right);
        const choose = (k: 'a' | 'b') => (e: Event) => {
          location.hash = href('prompts', id, withParams(params, { [k]: (e.currentTarget as HTMLSelectElement).value }));
        };
        return (
          <article class="detail" aria-label="Prompt">
            <header>
              <h3>{p.name}</h3>
              <p class="muted">
                <code>{p.prompt_id}</code> · {p.description || 'no description'} · live: {p.live_version ? `v${p.live_version.version}` : 'none'}
              </p>
            </header>
            {versions.length === 0 ? (
              <Empty>No versions yet: create the first one below.</Empty>
            ) : (
              <>
                <div class="table-wrap">
                  <table aria-label="Versions">
                    <thead>
                      <tr>
                        <th>Version</th>
                        <th>Model</th>
                        <th>Variables</th>
                        <th>Created</th>
                        <th>State</th>
                      </tr>
                    </thead>
                    <tbody>
                      {versions.map((v) => (
                        <tr>
                          <td>v{v.version}</td>
                          <td>{v.model}</td>
                          <td>{v.variables.join(', ')}</td>
                          <td>{fmt.short(v.created_at)}</td>
                          <td>
                            {v.is_deployed ? (
                              <span class="badge success">live</span>
                            ) : (
                              <button
                                type="button"
                                disabled={busy}
                                onClick={() =>
                                  submit(async () => {
                                    await api(`prompts/${p.prompt_id}/versions/${v.version}/`, { method: 'PATCH', body: { deploy: true } });
                                    a.reload();
                                  })
                                }
                              >
                                Deploy v{v.version}
                              </button>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <FormError error={error} />
                {left && right && (
                  <section aria-label="Compare versions">
                    <div class="inline">
                      <h4>Compare</h4>
                      <label>
                        Left{' '}
                        <select value={left.version} onChange={choose('a')}>
                          {versions.map((v) => (
                            <option value={v.version}>v{v.version}</option>
                          ))}
                        </select>
                      </label>
                      <label>
                        Right{' '}
                        <select value={right.version} onChange={choose('b')}>
                          {versions.map((v) => (
                            <option value={v.version}>v{v.version}</option>
                          ))}
                        </select>
                      </label>
                    </div>
                    <Diff a={left} b={right} />
                  </section>
                )}
                {right && (
                  <section class="panel" aria-label="Try it">
                    <h4>Try v{right.version}</h4>
                    <TryIt v={right} key={right.version} />
                  </section>
                )}
              </>
            )}
            <section class="panel">
              <h4>New version</h4>
              <NewVersion prompt={p} base={versions[versions.length - 1] ?? null} onDone={a.reload} />
            </section>
          </article>
        );
      }}
    </Show>
  );
}

function NewPrompt({ onDone }: { onDone: (p: Prompt) => void }) {
  const [name, setName] = useState('');
  const [busy, error, submit] = useSubmit();
  return (
    <form
      class="inline"
      aria-label="New prompt"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => onDone(await api<Prompt>('prompts/', { body: { name: name.trim() } })));
      }}
    >
      <label>
        Name <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy || !name.trim()}>
        New prompt
      </button>
      <FormError error={error} />
    </form>
  );
}

export function PromptsView({ route }: { route: Route }) {
  const { params, id } = route;
  const list = useAsync(() => api<{ results: Prompt[] }>('prompts/'), 'prompts');
  if (id) {
    return (
      <div class="view">
        <a class="close" href={href('prompts')}>
          ← All prompts
        </a>
        <PromptDetail id={id} params={params} key={id} />
      </div>
    );
  }
  return (
    <div class="view">
      <div class="view-head">
        <h2>Prompts</h2>
        <NewPrompt onDone={(p) => (location.hash = href('prompts', p.prompt_id))} />
      </div>
      <Show a={list} what="Loading prompts">
        {(d) =>
          d.results.length === 0 ? (
            <Empty>No prompts yet.</Empty>
          ) : (
            <Table label="Prompts" rows={d.results} cols={COLS} rowHref={(p) => href('prompts', p.prompt_id)} />
          )
        }
      </Show>
    </div>
  );
}
