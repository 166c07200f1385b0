/** Preloaded by `bun test` (bunfig.toml): what the whole run shares, made before the first file and removed after the last. */
import { afterAll, beforeAll } from 'bun:test';
import { TEST_BACKEND, TEST_NOW } from './helpers/backend.ts';
import { appTemplate, finishAppDatabases } from './helpers/postgres.ts';

// Migrating the template takes a few seconds on a busy machine: not inside a test's hook.
if (TEST_BACKEND !== 'sqlite') beforeAll(() => appTemplate(TEST_NOW).then(() => undefined), 60_000);
afterAll(() => finishAppDatabases(), 60_000);
