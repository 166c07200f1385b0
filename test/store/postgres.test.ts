/**
 * What the PostgreSQL store does beyond the contract: its drizzle tables
 * match the migrations, gateways starting together migrate once, spans live
 * in weekly partitions (stragglers wait in the default one and move when
 * their week is made; retention drops whole weeks), a statement past its
 * timeout is the store's 503, and text PostgreSQL cannot hold is stored
 * replaced rather than lost with its batch.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { QueryTimeoutError } from '../../src/errors.ts';
import { SPAN_CATALOG } from '../../src/query/catalogs.ts';
import { typeFilters } from '../../src/query/filters.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { translate } from '../../src/store/postgres/connection.ts';
import { openPostgresStore, type PgStore } from '../../src/store/postgres/index.ts';
import { partitionName, WEEK_MS, weekStart } from '../../src/store/postgres/partitions.ts';
import { migrations } from '../../src/store/postgres/migrations/index.ts';
import * as schema from '../../src/store/postgres/schema.ts';
import { freshDatabase, needPostgres, type TestDatabase } from '../helpers/postgres.ts';
import { backfillOf, expectSameSums, rollupSpans } from '../helpers/rollup-spans.ts';
import { span } from '../helpers/spans.ts';

const NOW = Date.parse('2026-06-17T12:00:00Z');
const DAY = 86_400_000;

if (await needPostgres('postgres store')) {
  let db: TestDatabase;
  let store: PgStore;
  const open = (now = NOW, timeoutMs = 10_000) =>
    openPostgresStore({
      url: db.url, poolSize: 3, statementTimeoutMs: timeoutMs, maxHeavyQueries: 1, settings: { metadataKeys: [] }, now: () => now,
      log: silentLogger,
    });

  beforeAll(async () => {
    db = await freshDatabase('pgstore');
    // Three gateways starting at the same moment on an empty database.
    const [a, b, c] = await Promise.all([open(), open(), open()]);
    store = a;
    await Promise.all([b.close(), c.close()]);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const partitionOf = async (uniqueId: string) =>
    (await store.sql.unsafe<{ p: string }[]>('SELECT tableoid::regclass::text AS p FROM spans WHERE unique_id = $1', [uniqueId]))[0]?.p;

  describe('schema and migrations', () => {
    test('gateways starting together apply each migration once', async () => {
      const rows = await store.sql.unsafe<{ name: string }[]>('SELECT name FROM __switchyard_migrations');
      expect(rows.map((r) => r.name).sort()).toEqual(migrations.map((m) => m.name));
    });

    test('configured metadata keys get an expression index on spans (made once by gateways starting together, dropped when unset), which a filtered list uses', async () => {
      const withKeys = (keys: string[]) =>
        openPostgresStore({
          url: db.url, poolSize: 3, statementTimeoutMs: 10_000, maxHeavyQueries: 1, settings: { metadataKeys: keys }, now: () => NOW,
          log: silentLogger,
        });
      const indexes = async () =>
        (
          await store.sql.unsafe<{ def: string }[]>(
            "SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'spans' AND indexname LIKE 'spans\\_meta\\_%' ORDER BY indexdef",
          )
        ).map((r) => r.def.replace(/^.* USING btree /, ''));
      const long = 'k'.repeat(80);
      const both = await Promise.all([withKeys(['tier', "it's", long]), withKeys(['tier', "it's", long])]);
      await Promise.all(both.map((s) => s.close()));
      expect(await indexes()).toEqual([
        "(org_id, environment, ((metadata ->> 'it''s'::text)), \"timestamp\")",
        `(org_id, environment, ((metadata ->> '${long}'::text)), "timestamp")`,
        "(org_id, environment, ((metadata ->> 'tier'::text)), \"timestamp\")",
      ]);
      const tier = await withKeys(['tier']);
      expect(await indexes()).toEqual(["(org_id, environment, ((metadata ->> 'tier'::text)), \"timestamp\")"]);
      const org = 'org_meta_index';
      await tier.spans.insertBatch(Array.from({ length: 300 }, (_, i) => span({ org_id: org, timestamp: NOW - i * 1000, metadata: { tier: i % 100 === 0 ? 'gold' : 'free' } })));
      await store.sql.unsafe('ANALYZE spans');
      const page = await tier.spans.list({
        scope: { orgId: org, environments: ['prod'] }, from: NOW - DAY, to: NOW, sort: { field: 'timestamp', descending: true }, page: 1, pageSize: 10,
        filters: typeFilters(SPAN_CATALOG, [{ field: 'metadata__tier', operator: '', values: ['gold'] }]),
      });
      expect(page.spans.map((s) => s.metadata?.tier)).toEqual(['gold', 'gold', 'gold']);
      const plan = (
        await store.sql.unsafe<{ 'QUERY PLAN': string }[]>(
          `EXPLAIN SELECT * FROM spans WHERE org_id = '${org}' AND environment IN ('prod') AND "timestamp" >= 0 AND (metadata ->> 'tier') IN ('gold')`,
        )
      ).map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('_expr_timestamp_idx');
      await tier.close();
      const none = await withKeys([]);
      await none.close();
      expect(await indexes()).toEqual([]);
    });

    test('every column drizzle queries exists with that name', async () => {
      for (const table of Object.values(schema)) {
        const cfg = getTableConfig(table);
        const cols = await store.sql.unsafe<{ c: string }[]>('SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1', [cfg.name]);
        expect(cols.map((r) => r.c).sort()).toEqual(cfg.columns.map((c) => c.name).sort());
      }
    });
  });

  describe('0003: per-minute rollups of the spans stored before it', () => {
    test('the backfill rolls spans up exactly as the writer does', async () => {
      await store.spans.insertBatch(rollupSpans('org_min', NOW - DAY));
      const rows = () =>
        store.sql.unsafe<Record<string, unknown>[]>("SELECT * FROM rollup_minutes WHERE org_id = 'org_min' ORDER BY minute, model, api_key_id");
      const written = await rows();
      expect(written.length).toBeGreaterThan(4);
      await store.sql.unsafe("DELETE FROM rollup_minutes WHERE org_id = 'org_min'");
      const migration = migrations.find((m) => m.name.startsWith('0003'));
      // Only this test's organization: the other tests' spans keep their own rows.
      await store.sql.unsafe(backfillOf(migration?.sql ?? '').replace('FROM spans GROUP BY', "FROM spans WHERE org_id = 'org_min' GROUP BY"));
      expectSameSums(await rows(), written);
    });
  });

  describe('partitions', () => {
    test('the week of now, the one before and two ahead exist', async () => {
      const weeks = await store.partitions.list();
      const w = weekStart(NOW);
      for (const start of [w - WEEK_MS, w, w + WEEK_MS, w + 2 * WEEK_MS]) expect(weeks).toContain(start);
      expect(new Date(w).getUTCDay()).toBe(1);
      expect(partitionName(w)).toBe('spans_p20260615');
    });

    test('a span outside every partition waits in the default one and moves when its week is made', async () => {
      const late = span({ org_id: 'org_part', timestamp: NOW + 5 * WEEK_MS, customer_identifier: 'mover' });
      await store.spans.insertBatch([late, span({ org_id: 'org_part', timestamp: NOW })]);
      expect(await partitionOf(late.unique_id)).toBe('spans_default');
      expect(await store.partitions.ensure(NOW + 5 * WEEK_MS)).toBeGreaterThan(0);
      expect(await partitionOf(late.unique_id)).toBe(partitionName(weekStart(NOW + 5 * WEEK_MS)));
      expect((await store.spans.get('org_part', late.unique_id))?.customer_identifier).toBe('mover');
    });

    test('purge drops the weeks wholly past the cutoff, deletes the rest row by row, and leaves usage', async () => {
      const old = weekStart(NOW) - 3 * WEEK_MS;
      expect(await store.partitions.create(old)).toBe(true);
      const inOld = Array.from({ length: 7 }, (_, i) => span({ org_id: 'org_purge', customer_identifier: 'p', timestamp: old + i * DAY }));
      const straggler = span({ org_id: 'org_purge', customer_identifier: 'p', timestamp: old - 30 * DAY });
      const kept = span({ org_id: 'org_purge', customer_identifier: 'p', timestamp: NOW });
      await store.spans.insertBatch([...inOld, straggler, kept]);
      // The cutoff is past the old week and the straggler, before the spans of now.
      expect(await store.spans.purge(old + WEEK_MS + DAY, 100)).toBe(8);
      expect(await store.partitions.list()).not.toContain(old);
      expect(await store.spans.count({ orgId: 'org_purge', environments: ['prod'] })).toBe(1);
      expect((await store.customers.get('org_purge', 'prod', 'p'))?.requests).toBe(9);
    });
  });

  test('a statement past the timeout is the store 503', async () => {
    const quick = await open(NOW, 100);
    try {
      const err = await quick.sql.unsafe('SELECT pg_sleep(1)').then(
        () => null,
        (e: unknown) => translate(e, 100),
      );
      expect(err).toBeInstanceOf(QueryTimeoutError);
      expect((err as QueryTimeoutError).status).toBe(503);
    } finally {
      await quick.close();
    }
  });

  test('NUL and half surrogate pairs, which PostgreSQL text cannot hold, are stored as U+FFFD', async () => {
    const s = span({ org_id: 'org_text', input: 'a\u0000b', metadata: { k: 'x\ud800y' }, extra: { note: 'c\u0000' } });
    await store.spans.insertBatch([s]);
    const got = await store.spans.get('org_text', s.unique_id);
    expect(got?.input).toBe('a\ufffdb');
    expect(got?.metadata).toEqual({ k: 'x\ufffdy' });
    expect(got?.extra.note).toBe('c\ufffd');
  });
}
