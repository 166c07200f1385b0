/**
 * The console's only way to the server: same-origin fetches to /api with the
 * key of this browser session. Errors become ApiError with the server's own
 * words (field errors included), never swallowed.
 */

const KEY = 'switchyard.key';

export type Env = 'prod' | 'test';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
  },
  /** The environment reads are scoped to; the shell sets it from the URL. */
  env: 'prod' as Env,
};

export type Query = Record<string, string | number | boolean | null | undefined>;

export function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

interface ErrorBody {
  detail?: string;
  errors?: Record<string, string[]>;
  error?: { message?: string };
}

function messageOf(status: number, body: ErrorBody | null): string {
  if (!body) return `HTTP ${status}`;
  if (body.errors) return Object.entries(body.errors).map(([f, m]) => `${f}: ${m.join('; ')}`).join('\n');
  return body.error?.message ?? body.detail ?? `HTTP ${status}`;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  query?: Query;
  /** Add the console's environment (is_test) to the query. */
  scoped?: boolean;
  key?: string;
}

/** Listeners told when the server refuses the key, so the shell can sign out. */
export const onUnauthorized: Array<() => void> = [];

export async function api<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const query = opts.scoped ? { ...opts.query, is_test: session.env === 'test' } : (opts.query ?? {});
  const res = await fetch(`/api/${path}${queryString(query)}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${opts.key ?? session.key ?? ''}`,
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    if (res.status === 401 && !opts.key) for (const f of onUnauthorized) f();
    throw new ApiError(res.status, messageOf(res.status, body as ErrorBody | null));
  }
  return body as T;
}
