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

/** A new database on the test server (a copy of `template`, or empty); drop() removes it, closing what is still connected. */
async function createDatabase(tag: string, template?: string): Promise<TestDatabase> {
  const name = `sytest_${tag}_${process.pid}_${randomToken(6).toLowerCase()}`;
  const sql = admin();
  try {
    await sql.unsafe(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
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

/** A new, empty database on the test server; drop() removes it. */
export function freshDatabase(tag: string): Promise<TestDatabase> {
  return createDatabase(tag);
}

let template: Promise<TestDatabase> | null = null;
/** The next app's database, made while the current test runs. */
let spare: Promise<TestDatabase> | null = null;
/** Databases of closed apps being dropped in the background. */
const dropping: Promise<void>[] = [];

/** The migrated template the app databases are copied from, made on first use; `now` places its span partitions. */
export function appTemplate(now: number): Promise<TestDatabase> {
  template ??= (async () => {
    const db = await freshDatabase('template');
    const { openPostgresStore } = await import('../../src/store/postgres/index.ts');
    const { silentLogger } = await import('../../src/lib/log.ts');
    const store = await openPostgresStore({
      url: db.url, poolSize: 2, statementTimeoutMs: 60_000, maxHeavyQueries: 1, settings: { metadataKeys: [] }, now: () => now,
      log: silentLogger,
    });
    await store.close();
    return db;
  })();
  return template;
}

/**
 * A database per test app, copied from the migrated template (several times
 * faster than migrating: the app's own migrations and partitions then find
 * nothing to do). The next one is copied while the test runs; give it back
 * with `releaseAppDatabase`.
 */
export async function appDatabase(now: number): Promise<TestDatabase> {
  const next = () => appTemplate(now).then((t) => createDatabase('app', t.name));
  const db = await (spare ?? next());
  spare = next();
  spare.catch(() => undefined);
  return db;
}

/** Drops an app's database in the background; `finishAppDatabases` waits for it. */
export function releaseAppDatabase(db: TestDatabase): void {
  dropping.push(db.drop().catch(() => undefined));
}

/** Drops the spare, the released databases and the template (the test preload calls it after every file ran). */
export async function finishAppDatabases(): Promise<void> {
  const left = await spare?.catch(() => null);
  spare = null;
  await left?.drop();
  // An app closed by a hook that did not wait for it may still be releasing.
  do {
    await Promise.all(dropping.splice(0));
    await Bun.sleep(50);
  } while (dropping.length > 0);
  const t = await template?.catch(() => null);
  template = null;
  await t?.drop();
}
