/** Which backend the app suites run against: `npm test` runs them once per backend (scripts/test-backends.ts). */
export const TEST_BACKEND = process.env.SWITCHYARD_TEST_BACKEND ?? 'sqlite';

/** Where the test apps' clock starts. */
export const TEST_NOW = Date.parse('2026-06-15T12:00:00Z');

/** Whether cache entries, rate windows and holds follow the test apps' clock (Redis keeps its server's). */
export const STATE_FOLLOWS_CLOCK = !TEST_BACKEND.includes('redis');
