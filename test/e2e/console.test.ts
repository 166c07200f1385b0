/**
 * The web console end to end in a real browser: data is seeded through the
 * API, then each view is driven as a person would, and checked against the
 * seeded data and the API. Screenshots of every view go to
 * .artifacts/console/ (git-ignored) for a reviewer to look at.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { silentLogger } from '../../src/lib/log.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { testConfig } from '../helpers/app.ts';
import { type Browser, browserAvailable, launchBrowser } from '../helpers/browser.ts';

const KEY = 'console1.abcdefghijklmnopqrstuvwxyz012345';
const SHOTS = join(import.meta.dir, '../../.artifacts/console');
const now = Date.now();
const ago = (min: number) => new Date(now - min * 60_000).toISOString();
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Chat logs: two match team=search with a cost from 0.1 to 0.3; the others miss on one of the two. */
const LOGS = [
  {
    model: 'gpt-4o', customer_identifier: 'acme', cost: 0.2, latency: 1.2, ttft: 0.3, prompt_tokens: 120, completion_tokens: 30,
    timestamp: ago(5), metadata: { team: 'search' }, thread_identifier: 'thread-1',
    prompt_messages: [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', image_url: { url: PIXEL } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c": 21}' },
    ],
    completion_message: { role: 'assistant', content: 'It is 21 degrees in Paris.' },
  },
  { model: 'gpt-4o', customer_identifier: 'acme', cost: 0.25, latency: 2, prompt_tokens: 200, completion_tokens: 40, timestamp: ago(4), metadata: { team: 'search' },
    prompt_messages: [{ role: 'user', content: 'Summarize the news' }], completion_message: { role: 'assistant', content: 'Nothing happened.' } },
  { model: 'gpt-4o-mini', customer_identifier: 'globex', cost: 0.05, latency: 0.5, prompt_tokens: 20, completion_tokens: 5, timestamp: ago(3), metadata: { team: 'search' } },
  { model: 'gpt-4o-mini', cost: 0.15, latency: 0.7, prompt_tokens: 30, completion_tokens: 5, timestamp: ago(3), metadata: { team: 'ads' } },
  { model: 'claude-3-5-haiku', cost: 0.5, latency: 3, prompt_tokens: 400, completion_tokens: 50, timestamp: ago(2), metadata: { team: 'search' },
    status_code: 500, error_message: 'upstream overloaded' },
];

/** A trace: answer -> (retrieve -> embed), (generate). */
const TRACE = [
  ['answer', null, 'workflow', 0, 3000, 0],
  ['retrieve', 'answer', 'task', 100, 1100, 0],
  ['embed', 'retrieve', 'embedding', 200, 600, 0],
  ['generate', 'answer', 'chat', 1200, 2900, 0.1],
].map(([name, parent, type, from, to, cost]) => ({
  trace_unique_id: 'trace-1', span_unique_id: name, span_parent_id: parent, span_name: name, span_workflow_name: 'answer-question',
  log_type: type, cost, start_time: new Date(now - 60_000 + (from as number)).toISOString(),
  timestamp: new Date(now - 60_000 + (to as number)).toISOString(),
}));

const run = browserAvailable('console browser tests');
// A browser step waits for the page; each test still ends in a second or two.
setDefaultTimeout(20_000);

describe.skipIf(!run)('web console in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let promptId: string;

  const call = async (path: string, body?: unknown, key = KEY, method = body === undefined ? 'GET' : 'POST') =>
    fetch(`${server.url}/api/${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const shot = async (name: string) => {
    await page.evaluate('scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const open = async (hash: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  };
  const texts = (selector: string) => page.locator(selector).allTextContents();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer(testConfig({ port: 0, data_dir: dir, bootstrap_key: KEY }), { log: silentLogger, print: () => {} });
    expect((await call('request-logs/batch/create', { logs: [...LOGS, ...TRACE] })).status).toBe(200);
    const prompt = (await (await call('prompts/', { name: 'greeter' })).json()) as { prompt_id: string };
    promptId = prompt.prompt_id;
    for (const [content, deploy] of [['Hello {{name}}', true], ['Hi there {{name}}, welcome!', false]] as const) {
      const r = await call(`prompts/${promptId}/versions/`, { model: 'mock/echo', messages: [{ role: 'user', content }], deploy });
      expect(r.status).toBe(201);
    }
    browser = await launchBrowser();
    page = await browser.context.newPage();
    // Fail a step well within the test's own timeout, so the error names the step.
    page.setDefaultTimeout(8000);
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign in: a wrong key is refused with the API error, the right one opens the overview', async () => {
    const started = performance.now();
    await page.goto(server.url);
    await page.getByLabel('API key').fill('wrongkey.abcdefghijklmnopqrstuvwxyz012345');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('invalid');
    await shot('signin');
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    console.log(`console: signed in and overview shown in ${Math.round(performance.now() - started)} ms`);
  });

  test('overview: the cards match the seeded totals; charts and breakdowns render', async () => {
    const card = (label: string) => page.locator('.stat', { hasText: label }).locator('.stat-value');
    await card('Requests').waitFor();
    expect(await card('Requests').textContent()).toBe(String(LOGS.length + TRACE.length));
    expect(await card('Cost').textContent()).toBe('$1.250');
    expect(await card('Error rate').textContent()).toBe('11.1%');
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.chart').count()).toBe(6);
    const byModel = page.getByRole('table', { name: 'By Model' });
    await byModel.waitFor();
    // Trace spans without a model come first (4 calls), then the two models of two calls each.
    expect(await byModel.locator('tbody tr td:first-child').allTextContents()).toEqual(['(none)', 'gpt-4o', 'gpt-4o-mini', 'claude-3-5-haiku']);
    await shot('overview');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('overview-phone');
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  test('logs: a metadata key and a cost range give exactly the matching rows; a chat log shows its conversation', async () => {
    await open('#/logs');
    await page.getByRole('table', { name: 'Logs' }).waitFor();
    const form = page.getByRole('form', { name: 'Add a filter' });
    const add = async (field: string, op: string, value: string, metaKey?: string) => {
      await form.getByLabel('Field').selectOption(field);
      if (metaKey) await form.getByRole('textbox', { name: 'Key' }).fill(metaKey);
      await form.getByLabel('Operator').selectOption(op);
      await form.getByLabel('Value').fill(value);
      await form.getByRole('button', { name: 'Add filter' }).click();
    };
    await add('metadata__', 'eq', 'search', 'team');
    await add('cost', 'gte', '0.1');
    await add('cost', 'lte', '0.3');
    await page.waitForFunction("document.querySelectorAll('.chips li').length === 3");
    await page.waitForFunction(`document.querySelectorAll('table[aria-label="Logs"] tbody tr').length === 2`);
    const costs = await page.locator('table[aria-label="Logs"] tbody tr td:nth-child(6)').allTextContents();
    expect(costs.sort()).toEqual(['$0.200', '$0.250']);
    expect(decodeURIComponent(page.url())).toContain('f=cost|gte|0.1');
    await shot('logs-filtered');

    await page.locator('table[aria-label="Logs"] tbody tr', { hasText: '$0.200' }).locator('a').first().click();
    const detail = page.getByRole('article', { name: 'Log detail' });
    await detail.waitFor();
    const roles = await detail.locator('.msg-role').allTextContents();
    expect(roles.map((r) => r.split(' ')[0])).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(await detail.locator('.tool-name code').textContent()).toBe('get_weather');
    expect(await detail.locator('img.msg-image').count()).toBe(1);
    expect(await detail.locator('.msg').last().textContent()).toContain('It is 21 degrees in Paris.');
    // Feedback and note go through the API's PATCH.
    await detail.getByRole('button', { name: /Good/ }).click();
    await detail.getByRole('textbox', { name: 'Note' }).fill('checked by hand');
    await detail.getByRole('button', { name: 'Save note' }).click();
    await detail.getByText('Saved.').waitFor();
    const id = decodeURIComponent(page.url().split('#/logs/')[1]?.split('?')[0] ?? '');
    const log = (await (await call(`request-logs/${id}/`)).json()) as { positive_feedback: boolean; note: string };
    expect(log).toMatchObject({ positive_feedback: true, note: 'checked by hand' });
    await detail.getByRole('button', { name: 'Show Raw JSON' }).click();
    expect(await detail.locator('pre.json').last().textContent()).toContain('"unique_id"');
    await shot('log-detail');
  });

  test('traces: the spans nest in the waterfall by parent, each with its detail', async () => {
    await open('#/traces');
    await page.getByRole('table', { name: 'Traces' }).waitFor();
    await page.locator('tr', { hasText: 'answer-question' }).locator('a').first().click();
    await page.locator('.wf-row').first().waitFor();
    const rows = await page.locator('.wf-row').evaluateAll((els) =>
      els.map((e) => [e.querySelector('.wf-name')?.textContent?.replace('└ ', ''), e.getAttribute('data-depth')]),
    );
    expect(rows).toEqual([['answer', '0'], ['retrieve', '1'], ['embed', '2'], ['generate', '1']]);
    await page.locator('.wf-row', { hasText: 'generate' }).click();
    expect(await page.getByRole('article', { name: 'Log detail' }).locator('h3').textContent()).toContain('generate');
    await shot('trace-waterfall');
  });

  test('threads and models show their data', async () => {
    await open('#/threads/thread-1');
    await page.locator('.turn').first().waitFor();
    expect(await texts('.turn .msg-role')).toHaveLength(5);
    await shot('thread');
    await open('#/models');
    await page.getByRole('table', { name: 'Models and prices' }).waitFor();
    await shot('models');
  });

  test("customers: lowering a customer's budget makes the gateway refuse its next call", async () => {
    const proxied = () =>
      call('chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], customer_identifier: 'acme' });
    expect((await proxied()).status).toBe(200);
    await open('#/customers');
    await page.getByRole('table', { name: 'Customers' }).waitFor();
    await page.getByRole('link', { name: 'acme' }).click();
    const form = page.getByRole('form', { name: 'Budget and rate limit' });
    await form.waitFor();
    await form.getByLabel('Period budget (USD)').fill('0.4');
    await form.getByLabel('Rate limit (requests/min)').fill('100');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Saved.').waitFor();
    expect(await page.getByTestId('period-budget').textContent()).toContain('$0 remaining');
    const refused = await proxied();
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
    await page.locator('.chart canvas').first().waitFor();
    await shot('customer');
  });

  test('prompts: two versions side by side with their diff; deploying the draft makes it live', async () => {
    await open(`#/prompts/${promptId}`);
    await page.locator('.diff').waitFor();
    expect(await texts('.diff pre.del')).toContain('Hello {{name}}');
    expect(await texts('.diff pre.add')).toContain('Hi there {{name}}, welcome!');
    await page.getByRole('form', { name: 'Try version 2' }).getByLabel('name').fill('Ada');
    await page.getByRole('button', { name: 'Run v2' }).click();
    await page.getByRole('form', { name: 'Try version 2' }).locator('.msg').waitFor();
    await page.getByRole('button', { name: 'Deploy v2' }).click();
    await page.getByRole('button', { name: 'Deploy v1' }).waitFor();
    const prompt = (await (await call(`prompts/${promptId}/`)).json()) as { live_version: { version: number } };
    expect(prompt.live_version.version).toBe(2);
    await shot('prompt');
  });

  test('keys: a created key is shown once and works; revoked, it is refused', async () => {
    await open('#/keys');
    await page.getByRole('table', { name: 'API keys' }).waitFor();
    const form = page.getByRole('form', { name: 'Create a key' });
    await form.getByLabel('Name').fill('ci-key');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key').textContent()) ?? '';
    // A member key (the default) reads its own record.
    expect((await call('temporary-keys/me/', undefined, secret)).status).toBe(200);
    await shot('keys-created');
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: new RegExp(`^Revoke ci-key`) }).click();
    await page.locator('tr', { hasText: 'ci-key' }).getByText('revoked').waitFor();
    expect((await call('temporary-keys/me/', undefined, secret)).status).toBe(401);
    await shot('keys');
  });

  test('sign out forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('switchyard.key')")).toBeNull();
  });
});
