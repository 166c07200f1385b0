/**
 * The mock provider as a separate OpenAI-compatible HTTP upstream, on plain
 * `Bun.serve` (no framework: load tests benchmark the gateway against it, so
 * it must cost as little as possible). Errors keep their real status, OpenAI
 * error body and Retry-After; `mock/stream-break` cuts the connection
 * mid-stream; `mock/timeout` holds the request until the client goes away.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { UpstreamError } from '../../errors.ts';
import { type ChatChunk, ChatRequest, EmbeddingRequest } from '../../schemas/openai.ts';
import type { CallContext } from '../types.ts';
import { createMockAdapter, type MockOptions } from './adapter.ts';
import { MOCK_MODELS } from './models.ts';

export interface MockUpstreamOptions extends MockOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface MockUpstream {
  /** Base URL including `/v1`, ready for the OpenAI adapter's api_base. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const DONE = new TextEncoder().encode('data: [DONE]\n\n');
// Compiled once: a validated body is cheap and needs no casts.
const checkChat = TypeCompiler.Compile(ChatRequest);
const checkEmbedding = TypeCompiler.Compile(EmbeddingRequest);

const MODELS_BODY = JSON.stringify({
  object: 'list',
  data: ['mock-model', ...Object.keys(MOCK_MODELS)].map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard-mock' })),
});

export function startMockUpstream(options: MockUpstreamOptions = {}): MockUpstream {
  const adapter = createMockAdapter(options);
  const encoder = new TextEncoder();

  const ctxFor = (req: Request, model: string): CallContext => ({
    model,
    credentials: {},
    callerCredentials: false,
    signal: req.signal,
    fetch,
  });

  async function chat(req: Request): Promise<Response> {
    const body = await readBody(req);
    if (!checkChat.Check(body)) return errorResponse(400, 'invalid chat completion request');
    const chatReq = body;
    const ctx = ctxFor(req, chatReq.model);
    try {
      if (chatReq.stream !== true) return Response.json(await adapter.complete(chatReq, ctx));
      const wantUsage = chatReq.stream_options?.include_usage === true;
      const it = adapter.stream(chatReq, ctx)[Symbol.asyncIterator]();
      // Pull the first chunk before answering, so early failures keep their HTTP status.
      const first = await it.next();
      return new Response(sseBody(it, first, wantUsage), { headers: SSE_HEADERS });
    } catch (err) {
      return failure(err);
    }
  }

  function sseBody(it: AsyncIterator<ChatChunk>, first: IteratorResult<ChatChunk>, wantUsage: boolean): ReadableStream<Uint8Array> {
    let pending: IteratorResult<ChatChunk> | undefined = first;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          // Loop so a skipped chunk still enqueues something: pull is not re-invoked after an empty pull.
          for (;;) {
            const r = pending ?? (await it.next());
            pending = undefined;
            if (r.done) {
              controller.enqueue(DONE);
              controller.close();
              return;
            }
            // Like OpenAI: the usage-only chunk exists only when asked for.
            if (r.value.choices.length === 0 && !wantUsage) continue;
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(r.value)}\n\n`));
            return;
          }
        } catch {
          // Let the chunks already queued reach the socket, then error the body: Bun
          // drops the connection mid-response, which is what a dying upstream looks like.
          // 5 ms was too short on a loaded machine: the connection sometimes dropped first.
          await Bun.sleep(50);
          controller.error(new Error('mock upstream: stream broken'));
        }
      },
      cancel() {
        void it.return?.();
      },
    });
  }

  async function embeddings(req: Request): Promise<Response> {
    const body = await readBody(req);
    if (!checkEmbedding.Check(body) || !adapter.embed) return errorResponse(400, 'invalid embeddings request');
    try {
      return Response.json(await adapter.embed(body, ctxFor(req, body.model)));
    } catch (err) {
      return failure(err);
    }
  }

  const server = Bun.serve({
    hostname: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    fetch(req) {
      const path = pathOf(req.url);
      if (req.method === 'POST' && path === '/v1/chat/completions') return chat(req);
      if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(req);
      if (req.method === 'GET' && path === '/v1/models') return new Response(MODELS_BODY, { headers: { 'content-type': 'application/json' } });
      return errorResponse(404, `no route for ${req.method} ${path}`);
    },
  });

  const port = server.port ?? 0;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/v1`,
    port,
    stop: () => server.stop(true),
  };
}

/** Pathname without building a URL object (this server is benchmarked against). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const q = url.indexOf('?', start);
  return q === -1 ? url.slice(start) : url.slice(start, q);
}

async function readBody(req: Request): Promise<unknown> {
  try {
    return (await req.json()) as unknown;
  } catch {
    return undefined;
  }
}

function errorResponse(status: number, message: string, retryAfterMs?: number): Response {
  const type = status >= 500 ? 'server_error' : status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : 'invalid_request_error';
  const headers: Record<string, string> = {};
  if (retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
  return Response.json({ error: { message, type, code: null, param: null } }, { status, headers });
}

function failure(err: unknown): Response {
  // An abort means the client left; nobody reads this answer.
  if (!(err instanceof UpstreamError)) return errorResponse(499, 'client closed request');
  return errorResponse(err.upstreamStatus || 502, err.message, err.retryAfterMs);
}
