import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const scriptPath = async () => {
  const html = await (await t.call('GET', '/')).text();
  return /<script type="module" src="(\/assets\/console-\w+\.js)">/.exec(html)?.[1] as string;
};

describe('the web console at /', () => {
  test('the page needs no key and names its script, which calls the same origin API', async () => {
    const page = await t.call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const path = await scriptPath();
    expect(path).toBeString();
    const script = await t.call('GET', path);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.headers.get('cache-control')).toContain('immutable');
    const js = await script.text();
    // Relative to the origin, never another host: the console works offline.
    expect(js).toContain('/api/');
    expect(js).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i);
  });

  test('gzipped when the browser accepts it; 304 for a known ETag', async () => {
    const path = await scriptPath();
    const plain = await t.call('GET', path);
    const zipped = await t.call('GET', path, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const raw = new Uint8Array(await zipped.arrayBuffer());
    expect(new TextDecoder().decode(Bun.gunzipSync(raw))).toBe(await plain.text());
    const etag = plain.headers.get('etag') as string;
    const again = await t.call('GET', path, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  test('the console is not in the OpenAPI document', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/assets'))).toEqual([]);
  });
});
