import { describe, expect, test } from 'bun:test';
import type { AttemptRecord } from '../../../src/routing/engine.ts';
import { attemptsOf, failureReason, fallbacksOf, reasonForStatus, upstreamTries } from '../../../src/modules/metrics/span-figures.ts';
import { span } from '../../helpers/spans.ts';

const tried = (model: string, status: number, retry = 0, duration_ms = 12): AttemptRecord => ({ model, provider: 'p', status, duration_ms, retry });

describe('what a proxy span says', () => {
  test('tries of 0 ms never reached a provider (unknown model, no credentials)', () => {
    const attempts = [tried('nope', 404, 0, 0), tried('a', 503), tried('a', 200, 1)];
    expect(upstreamTries(attempts).map((a) => [a.model, a.status])).toEqual([['a', 503], ['a', 200]]);
    expect(attemptsOf(span({ extra: { attempts } }))).toHaveLength(3);
    expect(attemptsOf(span({ extra: {} }))).toEqual([]);
  });

  test('fallbacks: each model after the first, once, answered when it is the span model', () => {
    const attempts = [tried('a', 500), tried('a', 500, 1), tried('b', 502), tried('c', 200)];
    const s = span({ model: 'c', status: 'success', extra: { attempts } });
    expect(fallbacksOf(s, attempts)).toEqual([
      { requested: 'a', fallback: 'b', answered: false },
      { requested: 'a', fallback: 'c', answered: true },
    ]);
    expect(fallbacksOf(s, [tried('a', 200)])).toEqual([]);
  });

  test('failure reasons: the gateway refusing, or the provider answering', () => {
    const refusal = (status_code: number) => failureReason(span({ status: 'error', status_code }), []);
    expect([402, 429, 422, 400, 404, 401, 500, 504, 499].map(refusal)).toEqual([
      'budget', 'rate_limit', 'validation', 'validation', 'validation', 'auth', 'internal', 'timeout', 'client_closed',
    ]);
    const upstream = (status_code: number) => failureReason(span({ status: 'error', status_code }), [tried('a', status_code)]);
    expect([429, 400, 401, 500, 502, 504, 499].map(upstream)).toEqual([
      'upstream', 'upstream', 'upstream', 'upstream', 'upstream', 'timeout', 'client_closed',
    ]);
    expect(reasonForStatus(413)).toBe('validation');
  });
});
