import { describe, expect, test } from 'bun:test';
import { DEFAULT_LIMITS } from '../../src/providers/shared/body.ts';
import { AllModelsFailedError, ClientClosedError, GatewayTimeoutError, UpstreamError } from '../../src/errors.ts';
import { ModelRegistry } from '../../src/pricing/registry.ts';
import { CallScope } from '../../src/routing/call-scope.ts';
import { EngineFailure, RoutingEngine } from '../../src/routing/engine.ts';
import { type RoutingParams, planAttempts } from '../../src/routing/plan.ts';
import { DEFAULT_RETRY, type RetryPolicy, type Sleep, retryDelay, retryPolicy } from '../../src/routing/retry.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { FakeAdapter } from '../helpers/fake-adapter.ts';

const registry = new ModelRegistry({ now: new Date('2026-06-15T00:00:00Z') });
const req = { model: 'x', messages: [{ role: 'user' as const, content: 'hello there' }] };

function setup(opts: { attemptTimeoutMs?: number; seed?: number } = {}) {
  const mock = new FakeAdapter('mock');
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms) => {
    sleeps.push(ms);
  };
  const engine = new RoutingEngine({
    adapter: (id) => (id === 'mock' ? mock : undefined),
    fetch,
    sleep,
    clock: () => performance.now(),
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 60_000,
    limits: DEFAULT_LIMITS,
  });
  const random = seededRandom(opts.seed ?? 1);
  const plan = (p: RoutingParams) =>
    planAttempts(p, { registry, providers: {}, groups: {}, random, keyless: (id) => id === 'mock' });
  const run = (p: RoutingParams, retry: RetryPolicy = DEFAULT_RETRY, scope = new CallScope(60_000, () => new GatewayTimeoutError(60_000))) =>
    engine.run({ plan: plan(p), retry, scope }, (adapter, ctx) => adapter.complete(req, ctx));
  return { mock, sleeps, run };
}

async function failure(p: Promise<unknown>): Promise<EngineFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EngineFailure) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('retries', () => {
  test('retryable failures are retried with retry_after, then succeed', async () => {
    const { mock, sleeps, run } = setup();
    mock.script('a', { ok: false, status: 503 }, { ok: false, status: 502 }, { ok: true });
    const r = await run({ model: 'mock/a' }, retryPolicy({ retry_after: 0.5 }));
    expect(mock.calls.length).toBe(3);
    expect(sleeps).toEqual([500, 500]);
    expect(r.attempts.map((a) => [a.status, a.retry])).toEqual([
      [503, 0],
      [502, 1],
      [200, 2],
    ]);
  });

  test('num_retries bounds the tries; retry_enabled false means one', async () => {
    const { mock, run } = setup();
    mock.script('a', { ok: false, status: 500 });
    const f = await failure(run({ model: 'mock/a' }, retryPolicy({ num_retries: 2 })));
    expect(mock.calls.length).toBe(3);
    expect(f.error).toBeInstanceOf(UpstreamError);
    expect(f.error.status).toBe(500);
    const s2 = setup();
    s2.mock.script('a', { ok: false, status: 500 });
    await failure(s2.run({ model: 'mock/a' }, retryPolicy({ retry_enabled: false })));
    expect(s2.mock.calls.length).toBe(1);
  });

  test('non-retryable failures (400) are not retried', async () => {
    const { mock, run } = setup();
    mock.script('a', { ok: false, status: 400 });
    await failure(run({ model: 'mock/a' }));
    expect(mock.calls.length).toBe(1);
  });

  test('an upstream Retry-After longer than retry_after is honoured', async () => {
    const { mock, sleeps, run } = setup();
    mock.script('a', { ok: false, status: 429, retryAfterMs: 1500 }, { ok: true });
    await run({ model: 'mock/a' });
    expect(sleeps).toEqual([1500]);
  });

  test('a 429 moves to the fallback at once', async () => {
    const { mock, sleeps, run } = setup();
    mock.script('a', { ok: false, status: 429, retryAfterMs: 1000 });
    const r = await run({ model: 'mock/a', fallback_models: ['mock/b'] });
    expect(sleeps).toEqual([]);
    expect(mock.calls.map((c) => c.model)).toEqual(['a', 'b']);
    expect(r.attempt.model).toBe('mock/b');
    expect(r.warnings[0]).toContain('mock/a failed (429)');
  });

  test('retryDelay: rules', () => {
    const up = (status: number, retryAfterMs?: number) =>
      new UpstreamError({ provider: 'p', model: 'm', status, message: 'x', ...(retryAfterMs ? { retryAfterMs } : {}) });
    const p = retryPolicy({});
    expect(retryDelay(up(0), p, false)).toBe(200);
    expect(retryDelay(up(408), p, false)).toBe(200);
    expect(retryDelay(up(404), p, false)).toBeNull();
    expect(retryDelay(up(429, 100), p, false)).toBe(200);
    expect(retryDelay(up(429, 120_000), p, false)).toBeNull();
    expect(retryDelay(new Error('x'), p, false)).toBeNull();
  });
});

describe('fallbacks', () => {
  test('a chain: each failing model is recorded, the first that answers wins', async () => {
    const { mock, run } = setup();
    mock.script('a', { ok: false, status: 500 });
    mock.script('b', { ok: false, status: 400, message: 'context too long' });
    const r = await run({ model: 'mock/a', fallback_models: ['mock/b', 'mock/c'] }, retryPolicy({ num_retries: 1 }));
    expect(r.attempt.model).toBe('mock/c');
    expect(r.attempts.map((a) => `${a.model}:${a.status}`)).toEqual(['mock/a:500', 'mock/a:500', 'mock/b:400', 'mock/c:200']);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[1]).toContain('context too long');
  });

  test('all fail: AllModelsFailedError lists every model', async () => {
    const { mock, run } = setup();
    mock.script('a', { ok: false, status: 500 });
    mock.script('b', { ok: false, status: 503 });
    const f = await failure(run({ model: 'mock/a', fallback_models: ['mock/b'] }, retryPolicy({ retry_enabled: false })));
    expect(f.error).toBeInstanceOf(AllModelsFailedError);
    expect((f.error as AllModelsFailedError).attempts.map((a) => a.model)).toEqual(['mock/a', 'mock/b']);
    expect(f.error.status).toBe(503);
  });

  test('an unknown or keyless model in the chain is skipped and recorded', async () => {
    const { run } = setup();
    const r = await run({ model: 'nope-model-zzz', fallback_models: ['deepseek/deepseek-chat', 'mock/ok'] });
    expect(r.attempt.model).toBe('mock/ok');
    expect(r.attempts.map((a) => a.status)).toEqual([404, 400, 200]);
  });

  test("the caller's own rejected key stops the chain", async () => {
    const { mock, run } = setup();
    mock.script('a', { ok: false, status: 401 });
    const f = await failure(
      run({ model: 'mock/a', fallback_models: ['mock/b'], credential_override: { 'mock/a': { api_key: 'k' } } }),
    );
    expect(f.error.status).toBe(401);
    expect(mock.calls.map((c) => c.model)).toEqual(['a']);
  });

  test('a gateway key rejected (401) still falls back', async () => {
    const { mock, run } = setup();
    mock.script('a', { ok: false, status: 401 });
    const r = await run({ model: 'mock/a', fallback_models: ['mock/b'] });
    expect(r.attempt.model).toBe('mock/b');
  });

  test('weighted group under injected failure: the failing member is skipped, both orders seen', async () => {
    const firsts = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const { mock, run } = setup({ seed });
      mock.script('bad', { ok: false, status: 500 });
      const r = await run(
        { loadbalance_models: [{ model: 'mock/bad', weight: 1 }, { model: 'mock/good', weight: 1 }] },
        retryPolicy({ retry_enabled: false }),
      );
      expect(r.attempt.model).toBe('mock/good');
      firsts.add(mock.calls[0]!.model);
    }
    expect([...firsts].sort()).toEqual(['bad', 'good']);
  });
});

describe('timeouts and aborts', () => {
  test('per-attempt timeout is a retryable 504', async () => {
    const { mock, run } = setup({ attemptTimeoutMs: 20 });
    mock.script('a', { hang: true }, { ok: true });
    const r = await run({ model: 'mock/a' });
    expect(r.attempts.map((a) => a.status)).toEqual([504, 200]);
  });

  test('an aborted run stops at once with the abort reason, no fallback', async () => {
    const { mock, run } = setup();
    mock.script('a', { hang: true });
    const scope = new CallScope(60_000, () => new GatewayTimeoutError(60_000));
    const p = run({ model: 'mock/a', fallback_models: ['mock/b'] }, DEFAULT_RETRY, scope);
    setTimeout(() => scope.abort(new ClientClosedError()), 10);
    const f = await failure(p);
    expect(f.error).toBeInstanceOf(ClientClosedError);
    expect(mock.calls.map((c) => c.model)).toEqual(['a']);
    expect(f.attempts[0]!.status).toBe(499);
  });

  test('whole-request timeout reason passes through', async () => {
    const { mock, run } = setup();
    mock.script('a', { hang: true });
    const f = await failure(run({ model: 'mock/a' }, DEFAULT_RETRY, new CallScope(5, () => new GatewayTimeoutError(5))));
    expect(f.error).toBeInstanceOf(GatewayTimeoutError);
  });

  // One timer serves both deadlines (src/routing/call-scope.ts): each must still fire, in its order.
  test('tries that time out are retried until the whole-request timeout ends the call', async () => {
    const { mock, run } = setup({ attemptTimeoutMs: 30 });
    mock.script('a', ...Array.from({ length: 10 }, () => ({ hang: true as const })));
    const retry = { ...DEFAULT_RETRY, retries: 9 };
    const f = await failure(run({ model: 'mock/a' }, retry, new CallScope(80, () => new GatewayTimeoutError(80), 30)));
    expect(f.error).toBeInstanceOf(GatewayTimeoutError);
    // Tries timed out (504) at 30 and 60 ms (fewer on a stalled machine); the last was cut by the request's deadline at 80.
    const statuses = f.attempts.map((a) => a.status);
    expect(statuses.at(-1)).toBe(499);
    expect(statuses.slice(0, -1)).toEqual(statuses.slice(0, -1).map(() => 504));
    expect(statuses.length).toBeGreaterThanOrEqual(2);
  });

  test('the client leaving after a try timed out still aborts the next try', async () => {
    const { mock, run } = setup({ attemptTimeoutMs: 20 });
    mock.script('a', { hang: true }, { hang: true });
    const scope = new CallScope(60_000, () => new GatewayTimeoutError(60_000), 20);
    const p = run({ model: 'mock/a' }, DEFAULT_RETRY, scope);
    setTimeout(() => scope.abort(new ClientClosedError()), 35);
    const f = await failure(p);
    expect(f.error).toBeInstanceOf(ClientClosedError);
    expect(f.attempts.map((a) => a.status)).toEqual([504, 499]);
    scope.close();
  });
});
