import { describe, expect, test } from 'bun:test';
import { budgetPeriod, formatDuration, isValidOffset, localPeriod, parseLocalDate } from '../../src/lib/periods.ts';

const iso = (r: { start: number; end: number }) => [new Date(r.start).toISOString(), new Date(r.end).toISOString()];

describe('periods', () => {
  test('local periods convert to UTC with offset = UTC - local', () => {
    const local = Date.parse('2024-03-09T00:00:00Z'); // a Saturday, wall clock
    expect(iso(localPeriod('daily', local, 8))).toEqual(['2024-03-09T08:00:00.000Z', '2024-03-10T08:00:00.000Z']);
    expect(iso(localPeriod('weekly', local, -5.75))).toEqual(['2024-03-03T18:15:00.000Z', '2024-03-10T18:15:00.000Z']);
    expect(iso(localPeriod('monthly', local, -5.5))).toEqual(['2024-02-29T18:30:00.000Z', '2024-03-31T18:30:00.000Z']);
    expect(iso(localPeriod('yearly', local, 0))).toEqual(['2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
  });
  test('monthly budget periods from an anchor on the 31st clamp to shorter months', () => {
    const anchor = Date.parse('2026-01-31T00:00:00Z');
    expect(iso(budgetPeriod('monthly', anchor, Date.parse('2026-02-15T00:00:00Z')))).toEqual(['2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z']);
    expect(iso(budgetPeriod('monthly', anchor, Date.parse('2026-03-01T00:00:00Z')))).toEqual(['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
    expect(iso(budgetPeriod('yearly', Date.parse('2024-02-29T00:00:00Z'), Date.parse('2025-06-01T00:00:00Z')))).toEqual(['2025-02-28T00:00:00.000Z', '2026-02-28T00:00:00.000Z']);
    expect(iso(budgetPeriod('daily', anchor, Date.parse('2025-01-01T00:00:00Z')))).toEqual(['2026-01-31T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
  });
  test('dates, offsets and durations', () => {
    expect(parseLocalDate('2024-03-09 10:00:00', 8)).toBe(Date.parse('2024-03-09T10:00:00Z'));
    expect(parseLocalDate('2024-03-09T10:00:00Z', 8)).toBe(Date.parse('2024-03-09T02:00:00Z'));
    expect(parseLocalDate('2024-02-30', 0)).toBeNull();
    expect([5.5, -5.75, 12, -14].every(isValidOffset)).toBe(true);
    expect([5.1, 15, Number.NaN].some(isValidOffset)).toBe(false);
    expect(formatDuration(0)).toBe('00:00:00');
    expect(formatDuration(90_061_500)).toBe('1 01:01:01.500000');
  });
});
