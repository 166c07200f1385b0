/**
 * What the gateway knows about the request being served, wherever the code
 * runs on its behalf: its id, route, caller, and the model its span named.
 * Carried by AsyncLocalStorage, so the services and the proxy need no extra
 * parameter; the wrapper around the app's fetch (observe.ts) opens it, the app
 * and authentication fill it in.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from '../principal.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext {
  readonly id: string;
  readonly method: string;
  /** The full URL, for the access log (its path is cut out only when a line is written). */
  readonly url: string;
  /** Monotonic ms at arrival. */
  readonly t0: number;
  /** The route as registered, without the /api prefix; null until one matched. */
  route: string | null;
  orgId: string | null;
  keyId: string | null;
  /** The model of the request's proxy span, once recorded. */
  model: string | null;
  /** A proxy span was recorded for this request. */
  spanSeen: boolean;
  /** Status of the response sent; 0 until it starts. */
  status: number;
  /** A stream answered; its access log line waits for its span (written at its end). */
  logAtSpan: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();

// A caller's id is kept when it is short and plain (UUIDs, ULIDs, trace ids); anything else is replaced.
const SANE_ID = /^[A-Za-z0-9._:+=/-]{1,128}$/;

export function requestIdFrom(header: string | null): string {
  return header && SANE_ID.test(header) ? header : crypto.randomUUID();
}

export function newContext(req: Request, t0: number): RequestContext {
  return {
    id: requestIdFrom(req.headers.get(REQUEST_ID_HEADER)),
    method: req.method,
    url: req.url,
    t0,
    route: null,
    orgId: null,
    keyId: null,
    model: null,
    spanSeen: false,
    status: 0,
    logAtSpan: false,
  };
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

export function runInRequest<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/**
 * Runs `fn` outside any request: work it starts (the span writer's drain
 * loop) serves many requests and must not carry the id of the first.
 */
export function outsideRequests<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** `fn(a, b)` outside any request, without a closure made per call (a span on its way to the writer). */
export function outsideRequestsWith<T, A, B>(fn: (a: A, b: B) => T, a: A, b: B): T {
  return storage.exit(fn, a, b);
}

/** The route the app matched (Elysia's registered path); both mount points share one name. */
export function noteRoute(route: string | undefined): void {
  const ctx = storage.getStore();
  if (ctx && route) ctx.route = route.startsWith('/api/') ? route.slice(4) : route;
}

export function noteCaller(p: Principal): void {
  const ctx = storage.getStore();
  if (ctx) {
    ctx.orgId = p.orgId;
    ctx.keyId = p.keyId;
  }
}
