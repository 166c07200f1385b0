/**
 * Runs the HTTP and module suites again over PostgreSQL (each test app on a
 * database of its own, copied from a migrated template): the second half of
 * `npm test`. Without a reachable server it prints how to run them and
 * passes, except with CI set, where that is a failure.
 *
 *   bun scripts/test-backends.ts [--backend postgres|postgres+redis]
 */
import { reachable, TEST_DATABASE_URL } from '../test/helpers/postgres.ts';

const i = process.argv.indexOf('--backend');
const backend = i >= 0 ? (process.argv[i + 1] ?? 'postgres') : 'postgres';
const SUITES = ['test/http', 'test/modules'];

if (!(await reachable())) {
  const where = TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//');
  if (process.env.CI) {
    console.error(`FAILED: the ${backend} run of ${SUITES.join(' ')} needs PostgreSQL at ${where} (CI is set)`);
    process.exit(1);
  }
  console.log(
    `SKIPPED the ${backend} run of ${SUITES.join(' ')}: PostgreSQL at ${where} is unreachable. To run it: start PostgreSQL 14+ ` +
      'and set SWITCHYARD_TEST_DATABASE_URL unless it is postgres://postgres@127.0.0.1:5432/postgres.',
  );
  process.exit(0);
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
process.exit(code);
