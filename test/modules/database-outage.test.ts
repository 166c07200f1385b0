/**
 * While the database cannot be reached, keys and customers this gateway has
 * read go on working from its last read (so proxying continues); ones it has
 * never read get the database's 503. The store is made to fail as an
 * unreachable PostgreSQL does (test/postgres-outage.test.ts cuts a real one).
 */
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { StorageUnavailableError } from '../../src/errors.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let known = '';
let unseen = '';
let orgId = '';

beforeEach(async () => {
  t = await makeTestApp();
  known = await t.key('acme');
  unseen = await t.key('acme');
  orgId = (await t.store.orgs.getByName('acme'))?.id ?? '';
});
afterEach(() => t.close());

/** From now on the store's key and customer reads fail as with the database away. */
function databaseGone(): void {
  const gone = () => Promise.reject(new StorageUnavailableError('The database is unavailable right now: Connection closed'));
  t.store.keys.findByPrefix = gone;
  t.store.customers.get = gone;
}

const admit = (customer: string) =>
  t.gate.admit({ orgId, environment: 'prod', customer: { customer_identifier: customer }, estimateCost: async () => 0, now: t.clock.now });

test('a key verified before the outage still authenticates past its 5 s freshness; one never seen is a 503', async () => {
  expect((await t.keys.authenticate(known)).orgId).toBe(orgId);
  databaseGone();
  t.clock.now += 60_000;
  expect((await t.keys.authenticate(known)).orgId).toBe(orgId);
  expect(await t.keys.authenticate(unseen).catch((e: unknown) => e)).toBeInstanceOf(StorageUnavailableError);
});

test('a customer read before the outage is admitted as last read; one never read is a 503', async () => {
  expect((await admit('regular')).limitInfo.allowed).toBe(true);
  databaseGone();
  expect((await admit('regular')).limitInfo.allowed).toBe(true);
  expect(await admit('stranger').catch((e: unknown) => e)).toBeInstanceOf(StorageUnavailableError);
});
