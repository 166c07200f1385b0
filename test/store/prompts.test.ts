/** Version numbering in the SQLite store: unique per prompt, safe across connections. */
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { NewPromptVersion } from '../../src/store/prompt-types.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-prompts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const content = (text: string): NewPromptVersion => ({
  messages: [{ role: 'user', content: text }],
  variables: [],
  model: 'mock/echo',
  temperature: null,
  max_tokens: null,
  top_p: null,
  frequency_penalty: null,
  presence_penalty: null,
  stop: null,
  tools: null,
  tool_choice: null,
  response_format: null,
  fallback_models: null,
  load_balance_models: null,
});

describe('prompt store', () => {
  test('two connections to one file allocating versions get distinct consecutive numbers', async () => {
    const path = join(dir, 'two.db');
    const a = openSqliteStore({ path });
    const b = openSqliteStore({ path });
    const org = (await a.orgs.ensure('acme')).org;
    await a.prompts.create({
      id: 'p1', org_id: org.id, name: 'n', description: '', created_at: 1, updated_at: 1, last_version: 0, live_version: null,
    });
    const made = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).prompts.addVersion(org.id, 'p1', content(`v${i}`), i, false)),
    );
    const numbers = made.map((v) => v?.version ?? 0).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await b.prompts.get(org.id, 'p1'))?.last_version).toBe(40);
    await a.close();
    await b.close();
  });

  test('the database itself refuses a duplicate (prompt_id, version)', async () => {
    const path = join(dir, 'dup.db');
    const s = openSqliteStore({ path });
    const org = (await s.orgs.ensure('acme')).org;
    await s.prompts.create({
      id: 'p1', org_id: org.id, name: 'n', description: '', created_at: 1, updated_at: 1, last_version: 0, live_version: null,
    });
    await s.prompts.addVersion(org.id, 'p1', content('x'), 1, false);
    await s.close();
    const db = new Database(path);
    expect(() =>
      db.run(
        "INSERT INTO prompt_versions (prompt_id, version, messages, model, created_at, updated_at) VALUES ('p1', 1, '[]', 'm', 1, 1)",
      ),
    ).toThrow(/UNIQUE/);
    db.close();
  });

  test('a version of another organization is invisible to every method', async () => {
    const s = openSqliteStore({ path: ':memory:' });
    const a = (await s.orgs.ensure('a')).org;
    const b = (await s.orgs.ensure('b')).org;
    await s.prompts.create({
      id: 'p1', org_id: a.id, name: 'n', description: '', created_at: 1, updated_at: 1, last_version: 0, live_version: null,
    });
    expect(await s.prompts.addVersion(b.id, 'p1', content('x'), 1, true)).toBeNull();
    await s.prompts.addVersion(a.id, 'p1', content('x'), 1, false);
    expect(await s.prompts.getVersion(b.id, 'p1', 1)).toBeNull();
    expect(await s.prompts.getVersion(b.id, 'p1', 'latest')).toBeNull();
    expect(await s.prompts.listVersions(b.id, 'p1')).toEqual([]);
    expect((await s.prompts.updateVersion(b.id, 'p1', 1, { model: 'z' }, 2)).status).toBe('not_found');
    expect((await s.prompts.deploy(b.id, 'p1', 1, 2)).status).toBe('not_found');
    expect((await s.prompts.deleteVersion(b.id, 'p1', 1, 2)).status).toBe('not_found');
    expect(await s.prompts.update(b.id, 'p1', { name: 'z' }, 2)).toBeNull();
    expect(await s.prompts.delete(b.id, 'p1')).toBe(false);
    const v = await s.prompts.getVersion(a.id, 'p1', 1);
    expect([v?.model, v?.deployed_at]).toEqual(['mock/echo', null]);
    await s.close();
  });
});
