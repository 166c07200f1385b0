/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser
 * download does not work here). Without /usr/bin/chromium the browser tests
 * are skipped with a message, except under CI=true, where that is a failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Whether to run the browser tests; says why not when they are skipped. */
export function browserAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return true;
  console.warn(
    `\n${suite}: SKIPPED, ${CHROMIUM} is missing. To run these tests: apt-get install -y chromium && bun test test/e2e\n`,
  );
  return false;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile every time, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: CI must install it (.ci/run does: apt-get install -y chromium)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
