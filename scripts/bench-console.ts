/**
 * Web console load time: a gateway from source on 127.0.0.1 (fresh database),
 * Debian's chromium, and for each run a fresh tab with its cache disabled
 * that opens `/` signed in and waits for the overview's cards. Prints the
 * bytes transferred per asset and a table of timings.
 * Usage: bun scripts/bench-console.ts [--runs 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/lib/log.ts';
import { startServer } from '../src/server.ts';
import { testConfig } from '../test/helpers/app.ts';
import { launchBrowser } from '../test/helpers/browser.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const KEY = 'benchcon.abcdefghijklmnopqrstuvwxyz012345';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-console-'));
const server = await startServer(testConfig({ port: 0, data_dir: dir, bootstrap_key: KEY }), { log: silentLogger, print: () => {} });
const browser = await launchBrowser();

const timings: Record<string, number[]> = { 'first byte': [], 'DOM ready': [], load: [], 'overview cards shown': [] };
let sizes = '';
try {
  for (let i = 0; i < runs + 1; i++) {
    const page = await browser.context.newPage();
    // Every load fetches everything, as a first visit does.
    await (await browser.context.newCDPSession(page)).send('Network.setCacheDisabled', { cacheDisabled: true });
    // Signed in as the console signs in: the key in this tab's session storage.
    await page.addInitScript(`sessionStorage.setItem('switchyard.key', '${KEY}')`);
    const started = Date.now();
    await page.goto(`${server.url}/?run=${i}`);
    await page.locator('.stat-value').first().waitFor();
    const shown = Date.now() - started;
    const nav = JSON.parse(
      await page.evaluate<string>(`JSON.stringify({ nav: performance.getEntriesByType('navigation')[0], res: performance.getEntriesByType('resource') })`),
    ) as { nav: { responseStart: number; domContentLoadedEventEnd: number; loadEventEnd: number; transferSize: number; encodedBodySize: number; decodedBodySize: number }; res: { name: string; encodedBodySize: number; decodedBodySize: number }[] };
    if (i === 0) {
      const script = nav.res.find((r) => r.name.includes('/assets/console-'));
      sizes = `page ${(nav.nav.encodedBodySize / 1024).toFixed(1)} KB gzipped (${(nav.nav.decodedBodySize / 1024).toFixed(1)} KB), script ${((script?.encodedBodySize ?? 0) / 1024).toFixed(1)} KB gzipped (${((script?.decodedBodySize ?? 0) / 1024).toFixed(1)} KB)`;
    } else {
      // The first run warms the server's code paths; it is not counted.
      timings['first byte']?.push(nav.nav.responseStart);
      timings['DOM ready']?.push(nav.nav.domContentLoadedEventEnd);
      timings.load?.push(nav.nav.loadEventEnd);
      timings['overview cards shown']?.push(shown);
    }
    await page.close();
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
console.log(`assets: ${sizes}\n`);
console.log(`| ${runs} loads, empty cache | p50 ms | p95 ms |`);
console.log('| --- | ---: | ---: |');
for (const [name, xs] of Object.entries(timings)) console.log(`| ${name} | ${pct(xs, 0.5).toFixed(0)} | ${pct(xs, 0.95).toFixed(0)} |`);
