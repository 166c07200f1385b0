/**
 * A recording fake upstream on 127.0.0.1 (port 0). Each provider's fake
 * decides its answer from the request (model name, tools, JSON mode) and
 * speaks that provider's real wire format; tests read `requests` to assert
 * what the adapter sent.
 */
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export interface FakeServer {
  url: string;
  requests: Recorded[];
  last(): Recorded;
  /** Streams whose reader went away before the end (the adapter stopped reading). */
  cancelled: number;
  stop(): Promise<void>;
}

export type Handler = (r: Recorded, fake: FakeServer) => Response | Promise<Response>;

export function startFake(handle: Handler): FakeServer {
  const fake: FakeServer = {
    url: '',
    requests: [],
    last() {
      const r = fake.requests[fake.requests.length - 1];
      if (!r) throw new Error('fake upstream received no request');
      return r;
    },
    cancelled: 0,
    stop: async () => {
      await server.stop(true);
    },
  };
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const u = new URL(req.url);
      const text = await req.text();
      let body: unknown = undefined;
      try {
        body = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        body = text;
      }
      const r: Recorded = { method: req.method, path: u.pathname, query: u.searchParams, headers: req.headers, body };
      fake.requests.push(r);
      return handle(r, fake);
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}

/**
 * An SSE body that sends `frames` with a tick between them (so they arrive
 * in separate reads) and splits one frame mid-line to exercise the parser.
 * With `hang`, it then stays open until the client cancels.
 */
export function sse(fake: FakeServer, frames: string[], hang = false): Response {
  const enc = new TextEncoder();
  const parts: string[] = [];
  frames.forEach((f, i) => {
    if (i === 1 && f.length > 10) parts.push(f.slice(0, 7), f.slice(7));
    else parts.push(f);
  });
  let i = 0;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      await Bun.sleep(1);
      const p = parts[i++];
      if (p !== undefined) {
        c.enqueue(enc.encode(p));
        return;
      }
      if (!hang) {
        done = true;
        c.close();
        return;
      }
      await Bun.sleep(50); // keep the connection open, idle
      c.enqueue(enc.encode(': keep-alive\n\n'));
    },
    cancel() {
      if (!done) fake.cancelled++;
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

export type Scenario = { kind: 'ok' } | { kind: 'error'; status: number } | { kind: 'hang' } | { kind: 'midstream-error' };

/** Model names drive the fakes: `err-429`, `hang`, `midstream-error`, anything else is ok. */
export function scenarioOf(model: string): Scenario {
  const m = /^err-(\d{3})$/.exec(model);
  if (m && m[1]) return { kind: 'error', status: Number(m[1]) };
  if (model === 'hang') return { kind: 'hang' };
  if (model === 'midstream-error') return { kind: 'midstream-error' };
  return { kind: 'ok' };
}

export const TEXT_PIECES = ['Hello', ' there,', ' friend!'];
export const TEXT = TEXT_PIECES.join('');
export const TOOL_ANSWER = 'It is sunny in Paris.';
export const JSON_ANSWER = '{"answer":42}';
/** The fake echoes the credential in 401 messages (worst case) to prove redaction. */
export const API_KEY = 'sk-test-SECRET-0123456789abcdef';
export const RETRY_AFTER_SECONDS = 7;

export function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
