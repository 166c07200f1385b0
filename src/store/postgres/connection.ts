/**
 * The PostgreSQL connection pool (Bun's built-in client: no native driver in
 * the single executable), what its errors mean to the gateway, transactions
 * that retry on a deadlock, and positional parameters for SQL built in pieces.
 */
import { SQL } from 'bun';
import { QueryTimeoutError, StorageUnavailableError } from '../../errors.ts';

export interface PgPoolOptions {
  /** postgres://user:password@host:port/database (sslmode etc. in the query string). */
  url: string;
  /** Connections at most. */
  poolSize: number;
  /** Server-side statement_timeout of every statement, ms (0: none). */
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export function openPool(o: PgPoolOptions): SQL {
  return new SQL({
    url: o.url,
    max: o.poolSize,
    idleTimeout: 60,
    connectionTimeout: 10,
    connection: {
      application_name: o.applicationName ?? 'switchyard',
      statement_timeout: Math.max(0, Math.round(o.statementTimeoutMs)),
    },
  });
}

interface PgErrorShape {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

function shape(err: unknown): PgErrorShape {
  return err !== null && typeof err === 'object' ? (err as PgErrorShape) : {};
}

/** The SQLSTATE of a server error ('57014', '40P01', ...), or null. */
export function sqlState(err: unknown): string | null {
  const { errno } = shape(err);
  return typeof errno === 'string' ? errno : null;
}

/** Bun's own connection failures, and server states that mean "not now": a 503, not a 500. */
const UNAVAILABLE_CODES = /^ERR_POSTGRES_(CONNECTION_CLOSED|CONNECTION_TIMEOUT|CONNECTION_REFUSED|IDLE_TIMEOUT|LIFETIME_TIMEOUT|TLS|SERVER_CLOSED)/;
const UNAVAILABLE_STATES = /^(08|53|57P0[1-4]|25006|55P03)/;

/** The client's own error: drizzle wraps it in a DrizzleQueryError (its `cause`) that names the query, not the failure. */
function driverError(err: unknown): unknown {
  let e = err;
  for (let depth = 0; depth < 3 && e instanceof Error && e.cause !== undefined && !('errno' in e) && !('code' in e); depth++) e = e.cause;
  return e;
}

/**
 * Errors the gateway answers with a status of its own: a statement past its
 * timeout, a database away (a lost connection, a server that refuses or is
 * shutting down: StorageUnavailableError, which the span writer waits out).
 * A bad statement stays what it is.
 */
export function translate(err: unknown, timeoutMs: number): unknown {
  const cause = driverError(err);
  const state = sqlState(cause);
  if (state === '57014') return new QueryTimeoutError(timeoutMs);
  const { code, message } = shape(cause);
  if ((typeof code === 'string' && UNAVAILABLE_CODES.test(code)) || (state !== null && UNAVAILABLE_STATES.test(state))) {
    return new StorageUnavailableError(`The database is unavailable right now: ${String(message)}`);
  }
  return err;
}

/**
 * The object with every method's errors translated (with `around`, each call
 * run through it; with `prepare`, its arguments changed first): what callers
 * of a PostgreSQL part see.
 */
export function translating<I extends object>(
  target: I,
  timeoutMs: number,
  around: (method: string, call: () => Promise<unknown>) => Promise<unknown> = (_m, call) => call(),
  prepare: (method: string, args: unknown[]) => unknown[] = (_m, args) => args,
): I {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  const proto = Object.getPrototypeOf(target) as Record<string, unknown>;
  for (const method of Object.getOwnPropertyNames(proto)) {
    const fn = proto[method];
    if (method === 'constructor' || typeof fn !== 'function') continue;
    out[method] = async (...args: unknown[]) => {
      try {
        const given = prepare(method, args);
        return await around(method, () => (fn as (...a: unknown[]) => Promise<unknown>).apply(target, given));
      } catch (err) {
        throw translate(err, timeoutMs);
      }
    };
  }
  return out as unknown as I;
}

/** A deadlock or serialization failure: the transaction did nothing and may simply run again. */
export function retryable(err: unknown): boolean {
  const state = sqlState(driverError(err));
  return state === '40P01' || state === '40001';
}

/**
 * Runs `work` in a transaction, again (up to 3 times) when the server picked
 * it as a deadlock victim. Writers lock rows in one order (sorted keys), so
 * this is a safety net, not the plan.
 */
export async function transaction<T>(sql: SQL, work: (tx: SQL) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin((tx) => work(tx))) as T;
    } catch (err) {
      if (attempt >= 3 || !retryable(err)) throw err;
    }
  }
}

/** Positional parameters of a statement built in pieces: `add` returns the placeholder. */
export class Params {
  readonly values: unknown[] = [];

  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }

  /** A number, typed so that an integer compares with integer columns through their index. */
  num(v: number): string {
    return `${this.add(v)}::${Number.isSafeInteger(v) ? 'int8' : 'float8'}`;
  }

  text(v: string): string {
    return `${this.add(v)}::text`;
  }
}

/** int8 and numeric arrive as strings (exact); the store's records hold numbers. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
