/**
 * Behaviours of the built-in `mock` provider, chosen by model name (with or
 * without the `mock/` prefix). Any other name answers normally.
 *
 * | model              | behaviour                                                       |
 * |--------------------|-----------------------------------------------------------------|
 * | mock/echo          | replies with the last user message verbatim                     |
 * | mock/fail-once     | first call per distinct prompt fails 503, later calls succeed   |
 * | mock/always-500    | always fails 500                                                |
 * | mock/rate-limit    | always fails 429 with Retry-After: 1                            |
 * | mock/bad-request   | always fails 400                                                |
 * | mock/unauthorized  | always fails 401                                                |
 * | mock/slow          | waits `slow_ms` (default 2000) before answering; abortable      |
 * | mock/stream-break  | streams 2 chunks then dies (status 0); complete() succeeds      |
 * | mock/timeout       | never answers; rejects with the abort reason when aborted      |
 */
export const MOCK_MODELS = {
  echo: 'replies with the last user message verbatim',
  'fail-once': 'first call per distinct prompt fails 503, later calls succeed',
  'always-500': 'always fails 500',
  'rate-limit': 'always fails 429 with Retry-After: 1',
  'bad-request': 'always fails 400',
  'unauthorized': 'always fails 401',
  slow: 'waits slow_ms (default 2000) before answering',
  'stream-break': 'streams 2 chunks then the stream dies',
  timeout: 'never answers until aborted',
} as const;

export type MockBehaviour = keyof typeof MOCK_MODELS | 'default';

export function mockBehaviour(model: string): MockBehaviour {
  const name = model.startsWith('mock/') ? model.slice(5) : model;
  return Object.hasOwn(MOCK_MODELS, name) ? (name as keyof typeof MOCK_MODELS) : 'default';
}

/** Fixed failures: status and Retry-After milliseconds. */
export const MOCK_FAILURES: Partial<Record<MockBehaviour, { status: number; retryAfterMs?: number }>> = {
  'always-500': { status: 500 },
  'rate-limit': { status: 429, retryAfterMs: 1000 },
  'bad-request': { status: 400 },
  unauthorized: { status: 401 },
};
