/**
 * Field readers for ingest bodies: each takes `unknown`, narrows it, and
 * records a message per bad field instead of throwing, so one 422 names
 * every problem of a body at once.
 */
import type { FieldErrors } from '../../errors.ts';
import { MAX_TIME_MS, MIN_TIME_MS } from '../../lib/input-caps.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ISO 8601 date-time; fractions beyond milliseconds (Python's microseconds) are allowed.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch ms of an ISO 8601 time (no zone means UTC), or null. */
export function parseIsoTime(s: string): number | null {
  const m = ISO.exec(s.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone = 'Z'] = m;
  const ms = Number(`${frac}000`.slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), ms);
  const check = new Date(t);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23) return null;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
  }
  return t;
}

export interface NumberRange {
  int?: boolean;
  min?: number;
  max?: number;
}

export class FieldReader {
  readonly errors: FieldErrors = {};

  constructor(
    private readonly body: Obj,
    private readonly prefix = '',
  ) {}

  fail(key: string, msg: string): undefined {
    (this.errors[this.prefix + key] ??= []).push(msg);
    return undefined;
  }

  has(key: string): boolean {
    return this.body[key] !== undefined;
  }

  /** A string, or null when null was sent; undefined when absent or bad. */
  str(key: string, maxLength?: number): string | null | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return v;
    if (typeof v !== 'string') return this.fail(key, `Expected a string, got ${typeName(v)}`);
    if (maxLength !== undefined && v.length > maxLength) {
      return this.fail(key, `Ensure this field has no more than ${maxLength} characters.`);
    }
    return v;
  }

  num(key: string, opts: NumberRange = {}): number | null | undefined {
    return this.numFrom(this.body[key], key, opts);
  }

  numFrom(v: unknown, key: string, opts: NumberRange = {}): number | null | undefined {
    if (v === undefined || v === null) return v;
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(key, `Expected a number, got ${typeName(v)}`);
    if (opts.int && !Number.isInteger(v)) return this.fail(key, 'Expected an integer');
    if (opts.min !== undefined && v < opts.min) return this.fail(key, `Ensure this value is greater than or equal to ${opts.min}.`);
    if (opts.max !== undefined && v > opts.max) return this.fail(key, `Ensure this value is less than or equal to ${opts.max}.`);
    return v;
  }

  bool(key: string): boolean | null | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return v;
    if (typeof v !== 'boolean') return this.fail(key, `Expected a boolean, got ${typeName(v)}`);
    return v;
  }

  obj(key: string): Obj | null | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return v;
    if (!isObj(v)) return this.fail(key, `Expected an object, got ${typeName(v)}`);
    return v;
  }

  /** ISO 8601 string (or epoch seconds as a number) -> epoch ms, from 1970 to the year 9999. */
  time(key: string): number | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    const t = typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) : typeof v === 'string' ? parseIsoTime(v) : null;
    if (t === null) return this.fail(key, 'Datetime has wrong format. Use ISO 8601, e.g. 2025-01-01T00:00:00Z.');
    if (t < MIN_TIME_MS || t > MAX_TIME_MS) return this.fail(key, 'Datetime out of range: from 1970-01-01 to 9999-12-31 (UTC).');
    return t;
  }
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
