/**
 * Redis for tests. Suites share the server at SWITCHYARD_TEST_REDIS_URL
 * (default redis://127.0.0.1:6379) under a key prefix of their own, deleted
 * at the end; outage tests run a redis-server of their own on a free port,
 * since stopping the shared one would break everyone else's run.
 *
 * Without Redis a suite is skipped with a line saying how to run it, except
 * with CI set, where unreachable Redis is a failure.
 */
import { test } from 'bun:test';
import { RedisClient, type Subprocess } from 'bun';
import { randomToken } from '../../src/lib/ids.ts';
import { freePort } from './ports.ts';

export const TEST_REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function reachable(url: string): Promise<boolean> {
  const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 1000 });
  try {
    await client.connect();
    return (await client.send('PING', [])) === 'PONG';
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** Whether the suite can run against the shared test server; see `unavailable`. */
export async function needRedis(suite: string): Promise<boolean> {
  if (await reachable(TEST_REDIS_URL)) return true;
  return unavailable(suite, `Redis at ${TEST_REDIS_URL.replace(/\/\/[^@]*@/, '//')} is unreachable`);
}

/** Whether the suite can start redis-servers of its own; see `unavailable`. */
export function needRedisServer(suite: string): boolean {
  return Bun.which('redis-server') !== null || unavailable(suite, 'redis-server is not on PATH');
}

/** Outside CI: prints how to run the skipped suite. With CI set: a failing test instead of a skip. */
function unavailable(suite: string, why: string): false {
  const message = `${suite}: ${why}`;
  if (process.env.CI) {
    test(`${suite} needs Redis (CI is set)`, () => {
      throw new Error(message);
    });
  } else {
    console.log(
      `SKIPPED ${message}. To run it: start Redis 7 or Valkey (and put redis-server on PATH for the outage tests); ` +
        `set SWITCHYARD_TEST_REDIS_URL=redis://HOST:PORT unless it is at 127.0.0.1:6379.`,
    );
  }
  return false;
}

/** A key prefix no other run or file uses. */
export function testPrefix(tag: string): string {
  return `sytest:${tag}:${process.pid}:${randomToken(8)}:`;
}

/** Runs `work` on a connection of its own, closed after. */
export async function withClient<T>(url: string, work: (client: RedisClient) => Promise<T>): Promise<T> {
  const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false });
  await client.connect();
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** Deletes every key under a prefix. */
export function deleteKeys(url: string, prefix: string): Promise<void> {
  return withClient(url, async (client) => {
    let cursor = '0';
    do {
      const [next, keys] = (await client.send('SCAN', [cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [string, string[]];
      if (keys.length > 0) await client.send('DEL', keys);
      cursor = next;
    } while (cursor !== '0');
  });
}

/** Closes the connections whose CLIENT LIST name matches, as a network failure or the server would. */
export function killClients(url: string, nameMatches: (name: string) => boolean): Promise<number> {
  return withClient(url, async (client) => {
    const list = (await client.send('CLIENT', ['LIST'])) as string;
    let killed = 0;
    for (const line of list.split('\n')) {
      const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
      const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
      if (id && name && nameMatches(name)) killed += Number(await client.send('CLIENT', ['KILL', 'ID', id]));
    }
    return killed;
  });
}

export interface OwnRedis {
  url: string;
  /** SIGKILL: the server and everything in it are gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: up but not answering. */
  pause(): void;
  resume(): void;
}

/** A redis-server of this test's own on a free port, without persistence. Kill it with `kill()` at the end. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: Subprocess | null = null;
  const own: OwnRedis = {
    url,
    async start() {
      proc = Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdout: 'ignore',
        stderr: 'ignore',
      });
      const deadline = Date.now() + 5000;
      while (!(await reachable(url))) {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await Bun.sleep(20);
      }
    },
    async kill() {
      if (!proc) return;
      proc.kill('SIGKILL');
      await proc.exited;
      proc = null;
    },
    pause() {
      proc?.kill('SIGSTOP');
    },
    resume() {
      proc?.kill('SIGCONT');
    },
  };
  // A test run that dies must not leave its server behind.
  process.once('exit', () => proc?.kill('SIGKILL'));
  await own.start();
  return own;
}
