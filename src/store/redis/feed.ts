/**
 * Invalidations between gateways through Redis. Each is appended to a log (a
 * stream, about `maxLength` entries kept) and announced on a channel, the
 * announcement naming the entry before it (lua/publish.lua). A subscriber
 * delivers an announcement that follows the last entry it delivered; on a gap
 * it reads the log from there. While its subscription is down it polls the
 * log every `pollMs`, and reads it once more when the subscription is back,
 * so nothing published in between is lost.
 *
 * A process's own invalidations reach its listeners at publish, not through
 * Redis: its own caches are right even while Redis is away. What it publishes
 * while Redis is away waits in order (up to `maxQueued`) and is sent when the
 * connection returns.
 */
import { randomToken } from '../../lib/ids.ts';
import type { Logger } from '../../lib/log.ts';
import { MemoryFeed } from '../memory/feed.ts';
import type { Invalidation, InvalidationFeed, InvalidationTopic } from '../state-types.ts';
import { RedisConnection } from './connection.ts';
import type { RedisKeys } from './keys.ts';
import { SCRIPTS } from './scripts.ts';

export interface RedisFeedOptions {
  url: string;
  /** Name of the subscriber connection in CLIENT LIST. */
  name: string;
  log: Logger;
  /** Default 250. */
  pollMs?: number;
  /** Entries kept in the log (default 10,000): how far a subscriber can fall behind. */
  maxLength?: number;
  /** Invalidations held while Redis is unreachable (default 10,000). */
  maxQueued?: number;
  connectTimeoutMs?: number;
  /** A heartbeat unanswered this long drops the subscription (default 1000). */
  commandTimeoutMs?: number;
}

/** One log entry: the publishing feed and the change. */
interface Message {
  from: string;
  change: Invalidation;
}

const TOPICS = new Set<InvalidationTopic>(['keys', 'models', 'prompts', 'customers']);
/** Log entries read per XRANGE. */
const PAGE = 500;
/** How often an idle subscription is checked. */
const HEARTBEAT_MS = 5000;

export class RedisFeed implements InvalidationFeed {
  private readonly local: MemoryFeed;
  private readonly subscriber: RedisConnection;
  /** This feed, in the messages it publishes. */
  private readonly id = randomToken(16);
  /** The last log entry delivered; null until the log's end is known. */
  private lastId: string | null = null;
  /** Incoming work runs one piece at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  /** A gap was seen that could not be read yet. */
  private behind = false;
  private catchingUp = false;
  private readonly queue: string[] = [];
  private draining: Promise<void> | null = null;
  private pingedAt = Date.now();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly unwatch: () => void;
  private readonly maxLength: number;
  private readonly maxQueued: number;

  constructor(
    private readonly conn: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly opts: RedisFeedOptions,
  ) {
    this.local = new MemoryFeed(opts.log);
    this.maxLength = opts.maxLength ?? 10_000;
    this.maxQueued = opts.maxQueued ?? 10_000;
    const { channel } = keys.feed;
    this.subscriber = new RedisConnection({
      url: opts.url,
      name: opts.name,
      log: opts.log,
      connectTimeoutMs: opts.connectTimeoutMs,
      commandTimeoutMs: opts.commandTimeoutMs,
      onConnect: async (client) => {
        await client.subscribe(channel, (message) => this.announced(message));
      },
    });
    // Back on the channel: read what was published while it was away.
    this.subscriber.onChange((up) => up && this.catchUp());
    this.unwatch = this.conn.onChange((up) => {
      if (!up) return;
      void this.drain();
      this.catchUp();
    });
    this.timer = setInterval(() => this.tick(), opts.pollMs ?? 250);
    this.timer.unref();
    if (conn.up) this.catchUp();
  }

  /** Resolves true once subscribed and caught up with the log, false after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.subscriber.up && this.lastId !== null && !this.behind) {
        await this.chain;
        return true;
      }
      await Bun.sleep(10);
    }
    return false;
  }

  async publish(change: Invalidation): Promise<void> {
    this.local.deliver(change);
    if (this.queue.length >= this.maxQueued) {
      this.queue.shift();
      this.opts.log.error('invalidation queue full while redis is unreachable; oldest dropped', { max_queued: this.maxQueued });
    }
    this.queue.push(JSON.stringify({ from: this.id, change } satisfies Message));
    await this.drain();
  }

  subscribe(listener: (change: Invalidation) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.unwatch();
    this.subscriber.close();
    if (this.queue.length > 0) this.opts.log.warn('closing with invalidations redis never received', { count: this.queue.length });
    await this.local.close();
  }

  /** Sends queued invalidations in order; stops at the first failure (the connection's return resumes it). */
  private drain(): Promise<void> {
    this.draining ??= this.sendQueued().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async sendQueued(): Promise<void> {
    const { stream, channel } = this.keys.feed;
    try {
      while (this.queue.length > 0) {
        const message = this.queue[0] as string;
        await SCRIPTS.publish.run(this.conn, [stream], [message, String(this.maxLength), channel]);
        // A full queue may have dropped its head meanwhile.
        if (this.queue[0] === message) this.queue.shift();
      }
    } catch (err) {
      this.opts.log.debug('invalidation publish deferred', { queued: this.queue.length, error: String(err) });
    }
  }

  private tick(): void {
    if (this.queue.length > 0) void this.drain();
    if (!this.subscriber.up || this.behind || this.lastId === null) this.catchUp();
    else if (Date.now() - this.pingedAt >= HEARTBEAT_MS) {
      // A subscriber only listens: without a question now and then, a connection that died
      // silently (a NAT or firewall dropping it) would look up forever. A ping that gets no answer drops it.
      this.pingedAt = Date.now();
      this.subscriber.send('PING', []).catch(() => {});
    }
  }

  /** An announcement `prev id message` from the channel. */
  private announced(text: string): void {
    const [prev, id] = text.split(' ', 2) as [string, string];
    const message = text.slice(prev.length + id.length + 2);
    this.enqueue(async () => {
      if (this.lastId === null) this.lastId = prev;
      if (compareIds(id, this.lastId) <= 0) return;
      if (prev === this.lastId) this.deliver(id, message);
      else await this.readLog();
    });
  }

  /** Reads the log past the last delivered entry, unless a read is already waiting its turn. */
  private catchUp(): void {
    if (this.catchingUp) return;
    this.catchingUp = true;
    this.enqueue(async () => {
      this.catchingUp = false;
      await this.readLog();
    });
  }

  private async readLog(): Promise<void> {
    const { stream } = this.keys.feed;
    try {
      if (this.lastId === null) {
        // Start at the log's end: what came before this feed existed is not news to it.
        const last = (await this.conn.send('XREVRANGE', [stream, '+', '-', 'COUNT', '1'])) as [string, string[]][];
        this.lastId = last[0]?.[0] ?? '0-0';
      }
      for (;;) {
        const page = (await this.conn.send('XRANGE', [stream, `(${this.lastId}`, '+', 'COUNT', String(PAGE)])) as [string, string[]][];
        for (const [id, fields] of page) this.deliver(id, fields[1] ?? '');
        if (page.length < PAGE) break;
      }
      this.behind = false;
    } catch (err) {
      if (!this.behind) this.opts.log.debug('invalidation log unreadable; polling', { error: String(err) });
      this.behind = true;
    }
  }

  private deliver(id: string, text: string): void {
    this.lastId = id;
    const message = parse(text);
    if (!message) {
      this.opts.log.warn('invalidation log entry ignored: not an invalidation', { id });
      return;
    }
    if (message.from !== this.id) this.local.deliver(message.change);
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((err) => this.opts.log.error('invalidation feed failed', { error: String(err) }));
  }
}

function parse(text: string): Message | null {
  try {
    const m = JSON.parse(text) as Partial<Message>;
    const c = m.change;
    if (typeof m.from !== 'string' || !c || !TOPICS.has(c.topic) || typeof c.orgId !== 'string' || typeof c.id !== 'string') return null;
    return { from: m.from, change: { topic: c.topic, orgId: c.orgId, id: c.id } };
  } catch {
    return null;
  }
}

/** Orders stream ids `ms-seq`. */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}
