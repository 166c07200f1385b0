/** Fixed-length deadlines kept in one list with one timer (src/http/deadlines.ts): the request body's time limit. */
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { DeadlineList } from '../../src/http/deadlines.ts';

const late = (ms: number) => new Error(`late after ${ms} ms`);

describe('DeadlineList', () => {
  test('each deadline ends once its time has passed, in order; a cleared one never does', async () => {
    const list = new DeadlineList(60, late);
    const ended: string[] = [];
    const t0 = performance.now();
    const at: Record<string, number> = {};
    const end = (name: string) => () => {
      ended.push(name);
      at[name] = performance.now() - t0;
    };
    list.add(end('a'));
    const b = list.add(end('b'));
    await Bun.sleep(20);
    list.add(end('c'));
    b.clear();
    expect(list.size).toBe(2);
    await Bun.sleep(150);
    expect(ended).toEqual(['a', 'c']);
    expect(at.a).toBeGreaterThanOrEqual(59);
    // c was set 20 ms after a: the timer set for a sets itself again for c, never ends it early.
    expect(at.c).toBeGreaterThanOrEqual(79);
    expect(list.size).toBe(0);
  });

  test('a deadline set after the oldest was cleared still ends on time, not at the older timer', async () => {
    const list = new DeadlineList(50, late);
    const first = list.add(() => {
      throw new Error('cleared: must not end');
    });
    await Bun.sleep(25);
    first.clear();
    const t0 = performance.now();
    let endedAfter = -1;
    list.add(() => {
      endedAfter = performance.now() - t0;
    });
    await Bun.sleep(120);
    expect(endedAfter).toBeGreaterThanOrEqual(49);
    expect(endedAfter).toBeLessThan(110);
  });

  test('clearing a deadline that has ended, or twice, leaves the others alone', async () => {
    const list = new DeadlineList(20, late);
    const ended: number[] = [];
    const a = list.add(() => ended.push(1));
    await Bun.sleep(60);
    expect(ended).toEqual([1]);
    a.clear();
    a.clear();
    const b = list.add(() => ended.push(2));
    list.add(() => ended.push(3));
    b.clear();
    b.clear();
    await Bun.sleep(60);
    expect(ended).toEqual([1, 3]);
  });

  test('a deadline that passes is told the list\'s error for its length', async () => {
    const list = new DeadlineList(15, late);
    const told = await new Promise<unknown>((_, reject) => list.add(reject)).catch((err: unknown) => err);
    expect(told).toBeInstanceOf(Error);
    expect((told as Error).message).toBe('late after 15 ms');
  });

  test('a deadline waiting does not keep the process alive', () => {
    const module = join(import.meta.dir, '../../src/http/deadlines.ts');
    const t0 = performance.now();
    const r = Bun.spawnSync([process.execPath, '-e', `const { DeadlineList } = await import(${JSON.stringify(module)}); new DeadlineList(20000, () => new Error('late')).add(() => {});`]);
    expect(r.exitCode).toBe(0);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
