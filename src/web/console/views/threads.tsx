/** Threads: the list, and a thread as one conversation across its logs. */
import { api } from '../api.ts';
import { fmt } from '../format.ts';
import { type Message, MessageView } from '../messages.tsx';
import { href, type Route, withParams } from '../router.ts';
import { type Column, Empty, Pager, RangePicker, rangeOf, Show, Table, useAsync } from '../ui.tsx';
import type { threadView } from '../../../modules/logs/view.ts';
import { type Log, messagesOf, type Page } from './log-types.ts';

type Thread = ReturnType<typeof threadView>;

const PAGE_SIZE = 50;

const COLS: Column<Thread>[] = [
  { label: 'Thread', cell: (t) => t.thread_identifier },
  { label: 'Customer', cell: (t) => t.customer_identifier ?? '' },
  { label: 'Logs', cell: (t) => t.log_count, num: true },
  { label: 'Started', cell: (t) => fmt.short(t.start_time) },
  { label: 'Last', cell: (t) => fmt.short(t.end_time) },
  { label: 'Tokens', cell: (t) => fmt.int(t.total_tokens), num: true },
  { label: 'Cost', cell: (t) => fmt.usd(t.total_cost), num: true },
];

/**
 * Each call of a thread usually resends the conversation so far: show only
 * what a log adds (its new messages and its answer) after the first.
 */
function turns(logs: Log[]): { log: Log; messages: Message[] }[] {
  const same = (a: Message, b: Message | undefined) =>
    b !== undefined && a.role === b.role && JSON.stringify(a.content) === JSON.stringify(b.content);
  let previous: Message[] = [];
  return logs.map((log) => {
    const all = messagesOf(log);
    const resent = previous.length > 0 && previous.every((m, i) => same(m, all[i]));
    const messages = resent ? all.slice(previous.length) : all;
    previous = all;
    return { log, messages };
  });
}

function ThreadDetail({ id }: { id: string }) {
  const a = useAsync(() => api<{ results: Log[] }>(`log_threads/${encodeURIComponent(id)}/`, { scoped: true }), id);
  return (
    <Show a={a} what="Loading the thread">
      {(d) => (
        <article class="detail" aria-label="Thread">
          <h3>Thread {id}</h3>
          <div class="conversation">
            {turns(d.results).map(({ log, messages }) => (
              <div class="turn">
                <a class="turn-meta" href={href('logs', log.unique_id)}>
                  {fmt.short(log.timestamp)} · {log.model} · {fmt.usd(log.cost)} · {fmt.secs(log.latency)}
                </a>
                {messages.map((m) => (
                  <MessageView m={m} />
                ))}
              </div>
            ))}
          </div>
        </article>
      )}
    </Show>
  );
}

export function ThreadsView({ route }: { route: Route }) {
  const { params, id } = route;
  const page = Number(params.get('page') ?? 1);
  const { start, end } = rangeOf(params);
  const list = useAsync(
    () =>
      api<Page<Thread>>('log_threads/', {
        query: { start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString(), page, page_size: PAGE_SIZE },
        body: {},
        scoped: true,
      }),
    params.toString(),
  );
  if (id) {
    return (
      <div class="view">
        <a class="close" href={href('threads', null, params)}>
          ← All threads
        </a>
        <ThreadDetail id={id} />
      </div>
    );
  }
  return (
    <div class="view">
      <div class="view-head">
        <h2>Threads</h2>
        <RangePicker view="threads" params={params} />
      </div>
      <Show a={list} what="Loading threads">
        {(d) =>
          d.results.length === 0 ? (
            <Empty>No threads in this time range. Calls join a thread with the thread_identifier parameter.</Empty>
          ) : (
            <>
              <Table label="Threads" rows={d.results} cols={COLS} rowHref={(t) => href('threads', t.thread_identifier, params)} />
              <Pager
                page={page}
                pageSize={PAGE_SIZE}
                count={d.count}
                hasNext={d.next !== null}
                onPage={(p) => (location.hash = href('threads', null, withParams(params, { page: String(p) })))}
              />
            </>
          )
        }
      </Show>
    </div>
  );
}
