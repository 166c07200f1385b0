import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CONFIG_FLAGS } from '../config-load.ts';

export class UsageError extends Error {}

/** Checks that only known flags were given; the config loader reads their values. */
export function checkServeArgs(argv: string[]): void {
  const options: Record<string, { type: 'string' | 'boolean' }> = { 'no-mock-provider': { type: 'boolean' } };
  for (const f of CONFIG_FLAGS) options[f.slice(2)] = { type: 'string' };
  parseCommandArgs(argv, options, false);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode, its complaints as usage errors. */
export function parseCommandArgs<O extends Options, P extends boolean>(args: string[], options: O, allowPositionals: P) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A number flag's value, or undefined when the flag is absent. */
export function numberFlag(v: string | undefined, flag: string, kind: 'integer' | 'number' = 'number'): number | undefined {
  if (v === undefined) return undefined;
  const n = v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} must be ${kind === 'integer' ? 'an integer' : 'a number'}, got '${v}'`);
  }
  return n;
}
