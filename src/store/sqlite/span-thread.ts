/**
 * Entry point of the span write thread (see span-thread-client.ts): its own
 * connection, the same insert path as the in-thread store, one reply per
 * request.
 */
import type { Database } from 'bun:sqlite';
import type { UsageEvent } from '../customer-types.ts';
import type { SpanRecord } from '../types.ts';
import { openConnection } from './connection.ts';
import { CustomerUsageWriter } from './customer-usage.ts';
import type { ThreadReply, ThreadRequest } from './span-thread-client.ts';
import { SqliteSpanStore } from './spans.ts';

declare const self: Worker;

let client: Database | null = null;
let spans: SqliteSpanStore | null = null;
let openError: string | null = null;
let events: UsageEvent[] = [];

const reply = (r: ThreadReply) => self.postMessage(r);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

self.onmessage = async (e: MessageEvent<ThreadRequest>) => {
  const msg = e.data;
  if (msg.type === 'open') {
    try {
      client = openConnection(msg.path, { mmap: false });
      const usage = new CustomerUsageWriter(client);
      usage.onUsage((derived) => events.push(...derived));
      spans = new SqliteSpanStore(client, (batch) => usage.apply(batch));
    } catch (err) {
      openError = `span write thread could not open ${msg.path}: ${message(err)}`;
    }
    return;
  }
  if (msg.type === 'close') {
    client?.close();
    client = spans = null;
    return reply({ type: 'done', id: msg.id, events: [] });
  }
  if (!spans) return reply({ type: 'failed', id: msg.id, message: openError ?? 'span write thread is closed' });
  events = [];
  try {
    await spans.insertBatch(JSON.parse(msg.spans) as SpanRecord[]);
    reply({ type: 'done', id: msg.id, events });
  } catch (err) {
    reply({ type: 'failed', id: msg.id, message: message(err) });
  }
};
