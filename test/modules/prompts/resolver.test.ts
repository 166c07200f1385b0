/** Version selection and deploys as the proxy sees them, over a real (in-memory) store. */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { NotFoundError } from '../../../src/errors.ts';
import { PromptResolver } from '../../../src/modules/prompts/resolver.ts';
import { PromptService } from '../../../src/modules/prompts/service.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';

let store: Store;
let prompts: PromptService;
let resolver: PromptResolver;
let org: string;
let other: string;
let clock = 1_000;

const v = (text: string, model = 'mock/echo') => ({ messages: [{ role: 'user' as const, content: text }], model });

beforeEach(async () => {
  store = openSqliteStore({ path: ':memory:' });
  prompts = new PromptService(store.prompts, () => clock++);
  resolver = new PromptResolver(store.prompts);
  org = ((await store.orgs.ensure('acme')).org).id;
  other = ((await store.orgs.ensure('globex')).org).id;
});
afterEach(() => store.close());

async function notFound(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(NotFoundError);
    return (e as Error).message;
  }
  throw new Error('expected a 404');
}

describe('PromptResolver', () => {
  test('no version: the live one; a number: that one; "latest": the newest', async () => {
    const p = await prompts.create(org, { name: 'greet' });
    await prompts.createVersion(org, p.id, v('one {{x}}'));
    await prompts.createVersion(org, p.id, { ...v('two {{x}}', 'mock/two'), deploy: true });
    await prompts.createVersion(org, p.id, v('three {{x}}'));
    const vars = { x: '!' };
    const live = await resolver.resolve(org, { prompt_id: p.id, variables: vars });
    expect([live.version, live.messages[0]?.content, live.params.model]).toEqual([2, 'two !', 'mock/two']);
    const first = await resolver.resolve(org, { prompt_id: p.id, variables: vars, version: 1 });
    expect([first.version, first.messages[0]?.content]).toEqual([1, 'one !']);
    const latest = await resolver.resolve(org, { prompt_id: p.id, variables: vars, version: 'latest' });
    expect([latest.version, latest.messages[0]?.content]).toEqual([3, 'three !']);
    expect(live.prompt_name).toBe('greet');
  });

  test('deploying a new version changes what the live call resolves to', async () => {
    const p = await prompts.create(org, { name: 'greet' });
    await prompts.createVersion(org, p.id, { ...v('Hello', 'mock/a'), deploy: true });
    expect((await resolver.resolve(org, { prompt_id: p.id })).messages).toEqual([{ role: 'user', content: 'Hello' }]);
    await prompts.createVersion(org, p.id, { ...v('Bonjour', 'mock/b'), temperature: 0.3 });
    // A new draft is not live until deployed.
    expect((await resolver.resolve(org, { prompt_id: p.id })).params.model).toBe('mock/a');
    await prompts.updateVersion(org, p.id, 2, { deploy: true });
    const after = await resolver.resolve(org, { prompt_id: p.id });
    expect(after.version).toBe(2);
    expect(after.messages).toEqual([{ role: 'user', content: 'Bonjour' }]);
    expect(after.params).toEqual({ model: 'mock/b', temperature: 0.3 });
    // Rolling back is deploying the old version again.
    await prompts.updateVersion(org, p.id, 1, { deploy: true });
    expect((await resolver.resolve(org, { prompt_id: p.id })).params.model).toBe('mock/a');
  });

  test('404s name what is missing', async () => {
    expect(await notFound(resolver.resolve(org, { prompt_id: 'nope' }))).toContain('Prompt not found: nope');
    const p = await prompts.create(org, { name: 'draft' });
    expect(await notFound(resolver.resolve(org, { prompt_id: p.id, version: 'latest' }))).toContain('no versions');
    await prompts.createVersion(org, p.id, v('x'));
    expect(await notFound(resolver.resolve(org, { prompt_id: p.id }))).toContain('no deployed version');
    expect(await notFound(resolver.resolve(org, { prompt_id: p.id, version: 9 }))).toContain(
      `Version 9 of prompt ${p.id} not found`,
    );
    expect((await resolver.resolve(org, { prompt_id: p.id, version: 1 })).version).toBe(1);
  });

  test("another organization's prompt is not found", async () => {
    const p = await prompts.create(org, { name: 'mine' });
    await prompts.createVersion(org, p.id, { ...v('secret'), deploy: true });
    expect(await notFound(resolver.resolve(other, { prompt_id: p.id }))).toContain('Prompt not found');
    expect(await notFound(resolver.resolve(other, { prompt_id: p.id, version: 1 }))).toContain('Prompt not found');
  });
});
