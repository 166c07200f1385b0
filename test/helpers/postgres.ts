/**
 * PostgreSQL for tests. Suites use the server at SWITCHYARD_TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres) only to create
 * databases of their own, dropped at the end.
 *
 * Without a reachable server a suite is skipped with a line saying how to run
 * it, except with CI set, where it is a failure.
 */
import { test } from 'bun:test';
import { SQL } from 'bun';
import { randomToken } from '../../src/lib/ids.ts';

export const TEST_DATABASE_URL = process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function admin(url = TEST_DATABASE_URL): SQL {
  return new SQL({ url, max: 1, connectionTimeout: 2, idleTimeout: 1 });
}

export async function reachable(url = TEST_DATABASE_URL): Promise<boolean> {
  const sql = admin(url);
  try {
    return (await sql.unsafe<{ ok: number }[]>('SELECT 1 AS ok'))[0]?.ok === 1;
  } catch {
    return false;
  } finally {
    await sql.close();
  }
}

/** Whether the suite can run; outside CI prints how to run it, with CI set adds a failing test. */
export async function needPostgres(suite: string): Promise<boolean> {
  if (await reachable()) return true;
  const message = `${suite}: PostgreSQL at ${TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')} is unreachable`;
  if (process.env.CI) {
    test(`${suite} needs PostgreSQL (CI is set)`, () => {
      throw new Error(message);
    });
  } else {
    console.log(
      `SKIPPED ${message}. To run it: start PostgreSQL 14+ and set SWITCHYARD_TEST_DATABASE_URL=postgres://USER@HOST:PORT/DB ` +
        '(a user that may create databases) unless it is at 127.0.0.1:5432 with user postgres.',
    );
  }
  return false;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server; drop() removes it (closing what is still connected). */
export async function freshDatabase(tag: string): Promise<TestDatabase> {
  const name = `sytest_${tag}_${process.pid}_${randomToken(6).toLowerCase()}`;
  const sql = admin();
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.close();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const a = admin();
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.close();
      }
    },
  };
}
