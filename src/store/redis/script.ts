/**
 * A Lua script run by its SHA-1 (EVALSHA), sent whole (EVAL, which also
 * caches it) the first time a server does not know it: after a restart or a
 * failover the script cache is empty.
 */
import { createHash } from 'node:crypto';
import type { RedisConnection } from './connection.ts';

export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(conn: RedisConnection, keys: string[], args: string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await conn.send('EVALSHA', [this.sha, ...rest]);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return conn.send('EVAL', [this.source, ...rest]);
    }
  }
}
