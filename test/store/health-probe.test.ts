import { describe, expect, test } from 'bun:test';
import { HealthProbe } from '../../src/store/health-probe.ts';

const never = () => new Promise<boolean>(() => {});

describe('HealthProbe', () => {
  test('answers within its wait while a ping is stuck behind other reads, then says down after the timeout', async () => {
    const probe = new HealthProbe({ ping: never, timeoutMs: 200, freshMs: 1000, waitMs: 20 });
    const t = performance.now();
    expect(await probe.check()).toBe('up');
    expect(performance.now() - t).toBeLessThan(150);
    await Bun.sleep(250);
    expect(await probe.check()).toBe('down');
  });

  test('a database that answers again is up at the next ping', async () => {
    let answer: Promise<boolean> = Promise.resolve(false);
    const probe = new HealthProbe({ ping: () => answer, timeoutMs: 200, freshMs: 0, waitMs: 50 });
    expect(await probe.check()).toBe('down');
    answer = Promise.resolve(true);
    expect(await probe.check()).toBe('up');
  });

  test('reuses a fresh answer and shares one ping among callers', async () => {
    let pings = 0;
    const probe = new HealthProbe({
      ping: async () => {
        pings++;
        await Bun.sleep(10);
        return true;
      },
      timeoutMs: 1000,
      freshMs: 60_000,
      waitMs: 100,
    });
    expect(await Promise.all([probe.check(), probe.check(), probe.check()])).toEqual(['up', 'up', 'up']);
    expect(await probe.check()).toBe('up');
    expect(pings).toBe(1);
  });

  test('a ping that throws counts as down', async () => {
    const probe = new HealthProbe({ ping: () => Promise.reject(new Error('gone')), timeoutMs: 100, freshMs: 0, waitMs: 50 });
    expect(await probe.check()).toBe('down');
  });
});
