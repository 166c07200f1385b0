/**
 * Entry point of every SQLite thread of the store (see thread-client.ts):
 * its own connection, the one-connection store of local.ts over it, one reply
 * per request, in order.
 */
import type { Database } from 'bun:sqlite';
import { openConnection } from './connection.ts';
import { localStore, type StoreParts } from './local.ts';
import { decodeBatch } from './span-handoff.ts';
import type { ThreadReply, ThreadRequest } from './thread-client.ts';
import { WalCheckpoints } from './wal-checkpoints.ts';

declare const self: Worker;

let client: Database | null = null;
let path = '';
let parts: StoreParts | null = null;
let openError: string | null = null;
let checkpoints: WalCheckpoints | null = null;

type Method = (...args: unknown[]) => Promise<unknown>;

const reply = (r: ThreadReply) => self.postMessage(r);

function failure(id: number, err: unknown): ThreadReply {
  const code = err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : null;
  return { type: 'failed', id, message: err instanceof Error ? err.message : String(err), code };
}

async function run(msg: Exclude<ThreadRequest, { type: 'open' }>): Promise<unknown> {
  if (msg.type === 'close') {
    checkpoints?.stop();
    // true: finalize the prepared statements too, so the connection (and its locks) goes
    // now; without it SQLite keeps the connection until every statement is collected.
    client?.close(true);
    client = parts = null;
    return null;
  }
  if (!parts || !client) throw new Error(openError ?? 'the store thread is closed');
  if (msg.type === 'ping') return client.query<{ ok: number }, []>('SELECT 1 AS ok').get()?.ok === 1;
  if (msg.type === 'insert') return parts.spans.insertBatch(decodeBatch(msg.spans));
  if (msg.type === 'checkpoints') {
    checkpoints ??= new WalCheckpoints(client, path);
    checkpoints.start(msg.mb * 1024 * 1024, msg.everyMs);
    return null;
  }
  const part = parts[msg.part] as unknown as Record<string, Method | undefined>;
  const fn = part[msg.method];
  if (typeof fn !== 'function') throw new Error(`the store has no method ${msg.part}.${msg.method}`);
  return fn.apply(part, msg.args);
}

self.onmessage = async (e: MessageEvent<ThreadRequest>) => {
  const msg = e.data;
  if (msg.type === 'open') {
    try {
      path = msg.path;
      client = openConnection(msg.path, msg.connection);
      parts = localStore(client, msg.settings);
    } catch (err) {
      openError = `store thread could not open ${msg.path}: ${err instanceof Error ? err.message : String(err)}`;
    }
    return;
  }
  try {
    reply({ type: 'done', id: msg.id, value: await run(msg) });
  } catch (err) {
    reply(failure(msg.id, err));
  }
};
