import { parseArgs } from 'node:util';
import { CONFIG_FLAGS } from '../config.ts';

export class UsageError extends Error {}

/** Checks that only known flags were given; the config loader reads their values. */
export function checkServeArgs(argv: string[]): void {
  const options: Record<string, { type: 'string' | 'boolean' }> = { 'no-mock-provider': { type: 'boolean' } };
  for (const f of CONFIG_FLAGS) options[f.slice(2)] = { type: 'string' };
  try {
    parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
