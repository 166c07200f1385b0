import { describe, expect, test } from 'bun:test';
import { createLogger, writes } from '../../src/lib/log.ts';

function capture(format: 'text' | 'json', context?: () => Record<string, unknown> | undefined) {
  const lines: string[] = [];
  const log = createLogger('info', { format, write: (l) => lines.push(l), ...(context ? { context } : {}) });
  return { log, lines };
}

describe('logger', () => {
  test('text: time, level, message, then the fields as JSON; below the level nothing', () => {
    const { log, lines } = capture('text');
    log.debug('hidden');
    log.info('plain');
    log.warn('with fields', { a: 1, b: 'x' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO plain\n$/);
    expect(lines[1]).toMatch(/ WARN with fields \{"a":1,"b":"x"\}\n$/);
  });

  test('json: one object per line, the fields beside time, level and message', () => {
    const { log, lines } = capture('json');
    log.error('went wrong', { code: 7, detail: 'line one\nline two' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.indexOf('\n')).toBe(lines[0]!.length - 1);
    const row = JSON.parse(lines[0]!);
    expect(row).toEqual({ time: row.time, level: 'error', message: 'went wrong', code: 7, detail: 'line one\nline two' });
    expect(Number.isNaN(Date.parse(row.time))).toBe(false);
  });

  test('context fields (the request id) join every line, in both formats', () => {
    for (const format of ['text', 'json'] as const) {
      const { log, lines } = capture(format, () => ({ request_id: 'r-9' }));
      log.info('one');
      log.info('two', { x: 1 });
      expect(lines.every((l) => l.includes('"request_id":"r-9"'))).toBe(true);
    }
    const { log, lines } = capture('text', () => undefined);
    log.info('outside');
    expect(lines[0]).toEndWith('INFO outside\n');
  });

  test('writes() says which levels a configured level lets through', () => {
    expect(writes('info', 'info')).toBe(true);
    expect(writes('warn', 'info')).toBe(false);
    expect(writes('debug', 'error')).toBe(true);
  });
});

test('a write function alone is enough (text format)', () => {
  const lines: string[] = [];
  createLogger('warn', (l) => lines.push(l)).warn('short form');
  expect(lines[0]).toEndWith(' WARN short form\n');
});
