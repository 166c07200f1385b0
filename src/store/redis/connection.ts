/**
 * One Redis connection that comes back by itself. Bun's RedisClient gives up
 * after a fixed number of retries, queues commands while it is away, and
 * waits as long as the server does: here the client is built with neither
 * reconnects nor an offline queue, a lost connection is replaced by a fresh
 * client (retried forever, backing off to 2 s), commands while it is down
 * fail at once, and a command that takes longer than `commandTimeoutMs`
 * fails and drops the connection, so a server that stopped answering is
 * noticed within that time and callers can fall back.
 */
import { RedisClient } from 'bun';
import type { Logger } from '../../lib/log.ts';

/** Redis could not answer: down, unreachable, or too slow. Callers fall back; it never reaches HTTP. */
export class RedisUnavailableError extends Error {}

export interface RedisConnectionOptions {
  url: string;
  /** CLIENT SETNAME, so the connection can be told apart in CLIENT LIST. */
  name: string;
  log: Logger;
  /** Default 1000. */
  commandTimeoutMs?: number;
  /** Default 2000. */
  connectTimeoutMs?: number;
  /** Runs on every new connection before it counts as up (e.g. SUBSCRIBE). */
  onConnect?: (client: RedisClient) => Promise<void>;
}

class TimeoutError extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 2000;

export class RedisConnection {
  private client: RedisClient | null = null;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly watchers = new Set<(up: boolean) => void>();
  private readonly commandTimeoutMs: number;
  private wasUp = false;

  constructor(private readonly opts: RedisConnectionOptions) {
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 1000;
    void this.connect();
  }

  get up(): boolean {
    return this.client !== null;
  }

  /** Called with true when a connection is made, false when it is lost. */
  onChange(watcher: (up: boolean) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Resolves true once connected, false if that takes longer than `timeoutMs`. */
  waitUp(timeoutMs: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.onChange((up) => {
        if (!up) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  async send(command: string, args: string[]): Promise<unknown> {
    const client = this.client;
    if (!client) throw new RedisUnavailableError(`redis ${this.opts.name}: not connected`);
    try {
      const reply = await withTimeout(client.send(command, args), this.commandTimeoutMs);
      // The backoff starts over once a connection proves useful, not merely open (a replica opens fine).
      this.retryMs = FIRST_RETRY_MS;
      return reply;
    } catch (err) {
      if (err instanceof TimeoutError) {
        // Replies come in order: one stuck reply holds up every later one, so the connection goes.
        this.drop(client, 'command timed out');
        throw new RedisUnavailableError(`redis ${this.opts.name}: ${command} took over ${this.commandTimeoutMs} ms`);
      }
      if (/^(READONLY|LOADING|MASTERDOWN)/.test((err as Error).message)) {
        // A replica now, or not ready: connect again, the URL may lead to the new primary.
        this.drop(client, (err as Error).message);
        throw new RedisUnavailableError(`redis ${this.opts.name}: ${(err as Error).message}`);
      }
      // Any other reply from a live server (a script error, OOM) is not an outage of the connection.
      if (this.client === client && client.connected) throw err;
      throw new RedisUnavailableError(`redis ${this.opts.name}: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    client?.close();
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.closed) return;
    const client = new RedisClient(this.opts.url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: this.opts.connectTimeoutMs ?? 2000,
    });
    client.onclose = () => this.drop(client, 'connection closed');
    try {
      // The whole handshake is bounded: a server that accepts but never answers must not stall the retries.
      await withTimeout(
        (async () => {
          await client.connect();
          await client.send('CLIENT', ['SETNAME', this.opts.name]);
          await this.opts.onConnect?.(client);
        })(),
        this.opts.connectTimeoutMs ?? 2000,
      );
    } catch (err) {
      client.onclose = null;
      client.close();
      this.retry(err);
      return;
    }
    if (this.closed) {
      client.close();
      return;
    }
    this.client = client;
    if (this.wasUp) this.opts.log.info('redis connection restored', { connection: this.opts.name });
    this.wasUp = true;
    this.emit(true);
  }

  private drop(client: RedisClient, reason: string): void {
    if (client !== this.client) return;
    this.client = null;
    client.onclose = null;
    client.close();
    this.opts.log.warn('redis connection lost; reconnecting', { connection: this.opts.name, reason });
    this.emit(false);
    this.retry(null);
  }

  private retry(err: unknown): void {
    if (this.closed || this.retryTimer) return;
    if (err && this.retryMs === FIRST_RETRY_MS) {
      this.opts.log.warn('redis unreachable; retrying', { connection: this.opts.name, error: String(err) });
    }
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  private emit(up: boolean): void {
    for (const w of this.watchers) w(up);
  }
}
