/**
 * For tests that run several gateway processes (test/helpers/proc.ts): an
 * upstream that counts calls and can hold each one, calls to a gateway, and
 * waiting for something to hold.
 */
import type { Served } from './proc.ts';

/** An OpenAI-compatible upstream that counts calls and can hold them. */
export interface CountingUpstream {
  readonly port: number;
  calls: number;
  /**
   * Holds each call until `count` calls are held (or `maxMs` passed), then
   * answers them all; null answers at once. With `count` the number of calls
   * a budget admits, none settles (and commits its spend) before every one
   * of them has reserved, however slowly a loaded machine dispatches them.
   */
  hold: { count: number; maxMs: number } | null;
  stop(): void;
}

export function countingUpstream(): CountingUpstream {
  const state: Pick<CountingUpstream, 'calls' | 'hold'> = { calls: 0, hold: null };
  let held: (() => void)[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      state.calls++;
      const body = (await req.json()) as { model: string };
      const hold = state.hold;
      if (hold) {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          setTimeout(resolve, hold.maxMs);
          if (held.length >= hold.count) for (const release of held.splice(0)) release();
        });
      }
      return Response.json({
        id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 },
      });
    },
  });
  return Object.assign(state, {
    port: server.port ?? 0,
    stop: () => {
      held = [];
      void server.stop(true);
    },
  });
}

/**
 * The config of gateways on that upstream: provider `up`, and a model
 * `dollar` whose one output token costs one dollar, so a call with
 * max_tokens 1 is estimated at exactly $1.
 */
export function upstreamConfig(upstream: CountingUpstream, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    providers: { up: { kind: 'openai', api_base: `http://127.0.0.1:${upstream.port}/v1`, api_key: 'sk-up' } },
    models: [{ model_name: 'dollar', provider_id: 'up', input_cost: 0, output_cost: 1_000_000 }],
    ...extra,
  });
}

export function call(g: Served, key: string, path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  return fetch(`${g.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function chat(g: Served, key: string, model: string, extra: Record<string, unknown> = {}) {
  return call(g, key, '/api/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, ...extra });
}

/** Polls `check` until it holds; returns how long that took. */
export async function within(ms: number, check: () => Promise<boolean>, everyMs = 20): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return performance.now() - t0;
    await Bun.sleep(everyMs);
  }
  throw new Error(`not within ${ms} ms`);
}

/** SIGTERM to each, then waits for all to exit. */
export async function stopAll(gateways: Served[]): Promise<void> {
  for (const g of gateways) g.proc.kill('SIGTERM');
  await Promise.all(gateways.map((g) => g.proc.exited));
}
