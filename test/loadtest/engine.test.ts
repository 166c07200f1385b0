/**
 * The load generator against real servers on 127.0.0.1: the mock upstream
 * with known delays, and small servers that stall, hang or are not there.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { buildBody } from '../../src/loadtest/body.ts';
import { type LoadSpec, runLoad } from '../../src/loadtest/engine.ts';
import { buildTarget } from '../../src/loadtest/target.ts';
import { startMockUpstream } from '../../src/providers/mock/server.ts';

const upstream = startMockUpstream({ models: { 'fixed-50': { ttft_ms: 50 }, 'paced': { ttft_ms: 50, tokens_per_second: 200, output_tokens: 5 } } });
const servers: { stop(force?: boolean): unknown }[] = [upstream];
afterAll(() => Promise.all(servers.map((s) => s.stop(true))));

function target(url: string, body: Record<string, unknown> = buildBody({ model: 'fast', promptTokens: 4, maxTokens: 8 })) {
  return buildTarget(new URL(url), JSON.stringify(body), {});
}
const chat = `${upstream.url}/chat/completions`;
const load = (spec: Partial<LoadSpec> & Pick<LoadSpec, 'target'>) => runLoad({ connections: 50, durationS: 1, timeoutMs: 5000, ...spec });

describe('load generator', () => {
  test('an open loop sends at the asked rate and answers every request', async () => {
    const r = await load({ target: target(chat), rate: 200 });
    // Every request due in the second is answered; nearly all go out within it (a loaded machine delays a few).
    expect(r.rec.answered).toBe(200);
    expect(r.achievedRate).toBeGreaterThan(180);
    expect(r.achievedRate).toBeLessThanOrEqual(200);
    expect(r.rec.statuses.get(200)).toBe(r.rec.answered);
    expect(r.rec.errors).toBe(0);
  });

  test('a closed loop keeps exactly its connections busy', async () => {
    const r = await load({ target: target(chat), connections: 3, durationS: 0.5 });
    expect(r.peakConnections).toBe(3);
    expect(r.rec.answered).toBeGreaterThan(100);
    expect(r.achievedRate).toBeCloseTo(r.rec.sent * 2, 0);
  });

  test('a fixed 50 ms upstream reads back as 50 ms', async () => {
    const r = await load({ target: target(chat, buildBody({ model: 'fixed-50', promptTokens: 4, maxTokens: 8 })), rate: 40 });
    const s = r.rec.latency.summary(1000);
    expect(s.p50).toBeGreaterThanOrEqual(50);
    // Headroom for a loaded machine (67 ms seen at load 8-9): a wrong start time or unit is far off either way.
    expect(s.p50).toBeLessThan(70);
    expect(s.min).toBeGreaterThanOrEqual(50);
  });

  test('streams: time to first token, gaps between chunks, and the whole answer', async () => {
    const r = await load({ target: target(chat, buildBody({ model: 'paced', promptTokens: 4, maxTokens: 8, stream: true })), rate: 40 });
    const ttft = r.rec.ttft.summary(1000);
    const gaps = r.rec.gaps.summary(1000);
    const total = r.rec.latency.summary(1000);
    expect(ttft.count).toBe(r.rec.answered);
    expect(ttft.p50).toBeGreaterThanOrEqual(50);
    expect(ttft.p50).toBeLessThan(70);
    // 5 tokens 5 ms apart: 4 gaps of ~5 ms each (the mock's timers are 1-ms granular).
    expect(gaps.p50).toBeGreaterThan(3.5);
    expect(gaps.p50).toBeLessThan(6.5);
    expect(total.p50).toBeGreaterThanOrEqual(68);
    expect(total.p50).toBeLessThan(92);
  });

  test('a per-request mock_profile sets the delay', async () => {
    const body = { ...buildBody({ model: 'fast', promptTokens: 4, maxTokens: 8 }), mock_profile: { ttft_ms: 30 } };
    const r = await load({ target: target(chat, body), rate: 40, durationS: 0.5 });
    expect(r.rec.latency.percentile(50) / 1000).toBeGreaterThanOrEqual(30);
    expect(r.rec.latency.percentile(50) / 1000).toBeLessThan(38);
  });

  /** A server that holds the first request arriving after `afterMs` for 300 ms. */
  function stallingServer(afterMs: number) {
    const started = performance.now();
    let stalled = false;
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch() {
        if (!stalled && performance.now() - started > afterMs) {
          stalled = true;
          await Bun.sleep(300);
        }
        return new Response('{}');
      },
    });
    servers.push(server);
    return server;
  }

  test('no coordinated omission: a 300 ms stall delays every request due during it', async () => {
    const server = stallingServer(300);
    // One connection, 200 req/s for 1 s: ~60 requests fall due while the stalled one waits.
    const r = await load({ target: target(`http://127.0.0.1:${server.port}/v1`), rate: 200, connections: 1 });
    const s = r.rec.latency.summary(1000);
    expect(s.max).toBeGreaterThanOrEqual(300);
    // A generator that waited for each answer before timing the next would show one slow request (p99 fine);
    // here the ~60 delayed requests spread from 300 ms down to 0: about 40 of 200 above 100 ms.
    expect(s.p90).toBeGreaterThan(100);
    expect(r.peakQueued).toBeGreaterThan(40);
    expect(r.rec.errors).toBe(0);
  });

  test('closed loop: the stall is spread over the requests it held up, as wrk does', async () => {
    const server = stallingServer(300);
    const r = await load({ target: target(`http://127.0.0.1:${server.port}/v1`), connections: 1 });
    const s = r.rec.latency.summary(1000);
    expect(s.max).toBeGreaterThanOrEqual(300);
    // Without the correction one slow request among thousands would leave p99 far below 100 ms.
    expect(s.p99).toBeGreaterThan(100);
    expect(s.count).toBeGreaterThan(r.rec.answered);
  });

  test('warm-up requests are sent but not recorded', async () => {
    const r = await load({ target: target(chat), rate: 100, warmupS: 0.3, durationS: 0.5 });
    // 30 requests fall due in the warm-up, 50 in the window: only those 50 are answered on the record.
    expect(r.rec.answered).toBe(50);
    expect(r.rec.sent).toBeLessThanOrEqual(50);
  });

  test('a request past its timeout fails as timeout, and the run still ends', async () => {
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Promise<Response>(() => undefined) });
    servers.push(server);
    const t0 = performance.now();
    const r = await load({ target: target(`http://127.0.0.1:${server.port}/v1`), rate: 20, durationS: 0.5, timeoutMs: 300 });
    expect(r.rec.failures.get('timeout')).toBe(10);
    expect(r.rec.answered).toBe(0);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test('a target that is not there: connect failures, no hang', async () => {
    const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    const port = probe.port;
    await probe.stop(true);
    const r = await load({ target: target(`http://127.0.0.1:${port}/v1`), rate: 20, durationS: 0.5 });
    expect(r.rec.failures.get('connect')).toBe(10);
    expect(r.rec.answered).toBe(0);
  });

  test('progress once a second, with this second\'s latency', async () => {
    const seen: number[] = [];
    await load({ target: target(chat), rate: 50, durationS: 1.2, onProgress: (p) => seen.push(p.rec.recent.count) });
    expect(seen.length).toBe(1);
    expect(seen[0]).toBeGreaterThanOrEqual(45);
    expect(seen[0]).toBeLessThanOrEqual(55);
  });
});

describe('request head', () => {
  test("the caller's headers replace the defaults of the same name, whatever their case; none is sent twice", () => {
    const target = buildTarget(new URL('http://127.0.0.1:1/v1/chat/completions'), '{}', {
      'content-type': 'application/json; charset=utf-8',
      authorization: 'Bearer k',
      'Content-Length': '999',
    });
    const head = Buffer.from(target.bytes).toString('latin1').split('\r\n\r\n')[0] as string;
    const names = head.split('\r\n').slice(1).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    expect(names.filter((n) => n === 'content-type')).toHaveLength(1);
    expect(names.filter((n) => n === 'content-length')).toHaveLength(1);
    expect(head).toContain('content-type: application/json; charset=utf-8');
    expect(head).toContain('Content-Length: 2');
    expect(head).toContain('authorization: Bearer k');
  });
});
