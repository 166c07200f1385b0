/**
 * Runs the HTTP and module suites again over PostgreSQL, then over
 * PostgreSQL with Redis in front of the shared state (each test app on a
 * database of its own, copied from a migrated template, and a Redis key
 * prefix of its own): the second half of `npm test`. A server that cannot be
 * reached skips its run with a line saying how to run it, except with CI
 * set, where that is a failure.
 *
 *   bun scripts/test-backends.ts [--backend postgres|postgres+redis]
 */
import { reachable as pgReachable, TEST_DATABASE_URL } from '../test/helpers/postgres.ts';
import { reachable as redisReachable, TEST_REDIS_URL } from '../test/helpers/redis.ts';

const i = process.argv.indexOf('--backend');
const backends = i >= 0 ? [process.argv[i + 1] ?? 'postgres'] : ['postgres', 'postgres+redis'];
const SUITES = ['test/http', 'test/modules'];
const hide = (url: string) => url.replace(/\/\/[^@]*@/, '//');

/** Why a backend's servers cannot be used, or null. */
async function missing(backend: string): Promise<string | null> {
  if (backend.includes('postgres') && !(await pgReachable())) {
    return `PostgreSQL at ${hide(TEST_DATABASE_URL)} is unreachable (start PostgreSQL 14+, or set SWITCHYARD_TEST_DATABASE_URL)`;
  }
  if (backend.includes('redis') && !(await redisReachable(TEST_REDIS_URL))) {
    return `Redis at ${hide(TEST_REDIS_URL)} is unreachable (start Redis 7 or Valkey, or set SWITCHYARD_TEST_REDIS_URL)`;
  }
  return null;
}

let failed = false;
for (const backend of backends) {
  const why = await missing(backend);
  if (why) {
    if (process.env.CI) {
      console.error(`FAILED: the ${backend} run of ${SUITES.join(' ')} cannot run (CI is set): ${why}`);
      failed = true;
    } else {
      console.log(`SKIPPED the ${backend} run of ${SUITES.join(' ')}: ${why}. Then: bun scripts/test-backends.ts --backend ${backend}`);
    }
    continue;
  }
  console.log(`${SUITES.join(' ')} over ${backend}`);
  const started = performance.now();
  const run = Bun.spawn([process.execPath, 'test', ...SUITES], {
    env: { ...process.env, SWITCHYARD_TEST_BACKEND: backend },
    stdout: 'inherit',
    stderr: 'inherit',
  });
  const code = await run.exited;
  console.log(`${backend} run: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (code !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
