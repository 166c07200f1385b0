import { describe, expect, test } from 'bun:test';
import { newId, randomToken, timeOrderedId } from '../../src/lib/ids.ts';

describe('ids', () => {
  test('random tokens and ids keep their shape', () => {
    expect(randomToken(32)).toMatch(/^[a-zA-Z0-9]{32}$/);
    expect(newId('key')).toMatch(/^key_[a-zA-Z0-9]{24}$/);
    const many = new Set(Array.from({ length: 10_000 }, () => randomToken(12)));
    expect(many.size).toBe(10_000);
  });

  test('tokens of any length, long ones made in parts, each its own string', () => {
    for (const n of [0, 1, 16, 24, 64, 65, 130, 1000]) expect(randomToken(n)).toMatch(new RegExp(`^[a-zA-Z0-9]{${n}}$`));
    const a = timeOrderedId('span', 1_781_524_800_000);
    const b = timeOrderedId('span', 1_781_524_800_000);
    expect(a).not.toBe(b);
    expect(a.slice(0, 13)).toBe(b.slice(0, 13));
  });

  test('every character of the alphabet turns up in a long random token (the pool refills)', () => {
    const seen = new Set(randomToken(20_000));
    expect(seen.size).toBe(62);
  });

  test('time-ordered ids sort by their time, then are unique within one millisecond', () => {
    const times = [0, 1, 61, 62, 3843, 1_700_000_000_000, 1_781_524_800_000, 1_781_524_800_001, 62 ** 8 - 1];
    const ids = times.map((t) => timeOrderedId('log', t));
    for (const id of ids) expect(id).toMatch(/^log_[0-9A-Za-z]{24}$/);
    // Byte order, as SQLite's BINARY collation compares them.
    for (let i = 1; i < ids.length; i++) expect(Buffer.compare(Buffer.from(ids[i - 1] as string), Buffer.from(ids[i] as string))).toBe(-1);
    const same = new Set(Array.from({ length: 10_000 }, () => timeOrderedId('log', 1_781_524_800_000)));
    expect(same.size).toBe(10_000);
    // The time head of 62 ms is "00000010" in base 62.
    expect(timeOrderedId('x', 62).slice(2, 10)).toBe('00000010');
  });
});
