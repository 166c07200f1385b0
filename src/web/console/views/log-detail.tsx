/** One log: its figures, the conversation, parameters, attempts, feedback and note, and the raw JSON. */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { fmt } from '../format.ts';
import { Conversation } from '../messages.tsx';
import { href } from '../router.ts';
import { FormError, JsonBlock, RawToggle, Stat, useSubmit } from '../ui.tsx';
import { type Log, messagesOf } from './log-types.ts';

function Feedback({ log, onSaved }: { log: Log; onSaved: (l: Log) => void }) {
  const [note, setNote] = useState(log.note ?? '');
  const [busy, error, submit] = useSubmit();
  const [saved, setSaved] = useState(false);
  const save = (patch: { positive_feedback?: boolean | null; note?: string | null }) =>
    submit(async () => {
      setSaved(false);
      await api('request-logs/batch-update/', { method: 'PATCH', body: { logs: [{ unique_id: log.unique_id, ...patch }] } });
      onSaved(await api<Log>(`request-logs/${encodeURIComponent(log.unique_id)}/`));
      setSaved(true);
    });
  const fb = log.positive_feedback;
  return (
    <section class="feedback" aria-label="Feedback and note">
      <h4>Feedback</h4>
      <div class="row" role="group" aria-label="Feedback">
        <button type="button" aria-pressed={fb === true} class={fb === true ? 'on' : ''} disabled={busy} onClick={() => save({ positive_feedback: true })}>
          👍 Good
        </button>
        <button type="button" aria-pressed={fb === false} class={fb === false ? 'on' : ''} disabled={busy} onClick={() => save({ positive_feedback: false })}>
          👎 Bad
        </button>
        <button type="button" disabled={busy || fb === null} onClick={() => save({ positive_feedback: null })}>
          Clear
        </button>
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save({ note: note.trim() === '' ? null : note });
        }}
      >
        <label>
          Note
          <textarea rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Save note
        </button>
        {saved && !busy && <span class="ok-text"> Saved.</span>}
      </form>
      <FormError error={error} />
    </section>
  );
}

const CHAT = new Set(['chat', 'completion', 'text', 'response']);

function params(log: Log): Record<string, unknown> | null {
  if (!log.full_request) return null;
  const { messages: _m, ...rest } = log.full_request;
  return rest;
}

export function LogDetail({ log: initial, compact = false }: { log: Log; compact?: boolean }) {
  const [log, setLog] = useState(initial);
  const p = params(log);
  return (
    <article class="detail" aria-label="Log detail">
      <header>
        <h3>
          {log.model ?? log.span_name ?? log.log_type} <span class={`badge ${log.status}`}>{log.status} {log.status_code}</span>
        </h3>
        <p class="muted">
          {fmt.time(log.timestamp)} · {log.log_type} · <code>{log.unique_id}</code>
        </p>
      </header>
      {log.error_message && (
        <p class="error-text" role="note">
          {log.error_message}
        </p>
      )}
      <div class="stats">
        <Stat label="Prompt tokens" value={fmt.int(log.prompt_tokens)} />
        <Stat label="Completion tokens" value={fmt.int(log.completion_tokens)} />
        <Stat label="Total tokens" value={fmt.int(log.total_request_tokens)} />
        <Stat label="Cached tokens" value={fmt.int(log.usage?.prompt_tokens_details?.cached_tokens)} />
        <Stat label="Cost" value={fmt.usd(log.cost)} />
        <Stat label="Latency" value={fmt.secs(log.latency)} />
        <Stat label="TTFT" value={fmt.secs(log.time_to_first_token)} />
        <Stat label="Tokens/s" value={log.tokens_per_second === null ? '–' : log.tokens_per_second.toFixed(1)} />
      </div>
      <dl class="facts">
        <dt>Provider</dt>
        <dd>{log.provider_id ?? '–'}</dd>
        <dt>Customer</dt>
        <dd>{log.customer_identifier ? <a href={href('customers', log.customer_identifier)}>{log.customer_identifier}</a> : '–'}</dd>
        <dt>Thread</dt>
        <dd>{log.thread_identifier ? <a href={href('threads', log.thread_identifier)}>{log.thread_identifier}</a> : '–'}</dd>
        <dt>Trace</dt>
        <dd>{log.trace_unique_id ? <a href={href('traces', log.trace_unique_id)}>{log.trace_unique_id}</a> : '–'}</dd>
        <dt>Prompt</dt>
        <dd>{log.prompt_id ? <a href={href('prompts', log.prompt_id)}>{`${log.prompt_id} v${log.prompt_version ?? '?'}`}</a> : '–'}</dd>
        <dt>Stream · cache</dt>
        <dd>
          {log.stream ? 'streamed' : 'not streamed'} · {log.cache_hit ? 'cache hit' : 'no cache hit'}
        </dd>
        {Object.keys(log.metadata ?? {}).length > 0 && (
          <>
            <dt>Metadata</dt>
            <dd>
              {Object.entries(log.metadata).map(([k, v]) => (
                <span class="chip">
                  {k}: {typeof v === 'string' ? v : JSON.stringify(v)}
                </span>
              ))}
            </dd>
          </>
        )}
      </dl>
      <section aria-label="Messages">
        <h4>{CHAT.has(log.log_type) ? 'Conversation' : 'Input and output'}</h4>
        {CHAT.has(log.log_type) ? (
          <Conversation messages={messagesOf(log)} />
        ) : (
          <>
            <h5>Input</h5>
            <pre class="json">{log.input ?? '–'}</pre>
            <h5>Output</h5>
            <pre class="json">{log.output ?? '–'}</pre>
          </>
        )}
      </section>
      {p && (
        <section aria-label="Parameters">
          <h4>Parameters</h4>
          <JsonBlock value={p} />
        </section>
      )}
      {log.attempts && log.attempts.length > 0 && (
        <section aria-label="Attempts">
          <h4>Attempts and fallbacks</h4>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>Model</th>
                  <th>Provider</th>
                  <th>Try</th>
                  <th class="num">Status</th>
                  <th class="num">Duration</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {log.attempts.map((a, i) => (
                  <tr>
                    <td>{i + 1}</td>
                    <td>{a.model}</td>
                    <td>{a.provider}</td>
                    <td>{a.retry === 0 ? 'first' : `retry ${a.retry}`}</td>
                    <td class={`num ${a.status < 400 ? 'ok-text' : 'error-text'}`}>{a.status}</td>
                    <td class="num">{fmt.secs(a.duration_ms / 1000)}</td>
                    <td>{a.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {log.warnings?.map((w) => (
            <p class="muted">{w}</p>
          ))}
        </section>
      )}
      {!compact && <Feedback log={log} onSaved={setLog} key={log.unique_id} />}
      <RawToggle value={log} />
    </article>
  );
}
