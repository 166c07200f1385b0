/**
 * Checks the fields of OTLP spans (the OTLP/JSON shape; protobuf is decoded
 * into it first) before they are mapped: ids, times, kind, status and every
 * attribute value. A span with a bad field is rejected on its own (OTLP's
 * partial success), its error naming the field by its full path, e.g.
 * `resourceSpans.0.scopeSpans.0.spans.3.startTimeUnixNano`. The walk over
 * attribute values is iterative and bounded in depth, so no value can
 * overflow the stack of the mapping that follows.
 */
import type { FieldErrors } from '../../errors.ts';
import { MAX_IDENTIFIER, MAX_STORED_DEPTH, MAX_TIME_MS } from '../../lib/input-caps.ts';
import { isObj, type Obj, typeName } from './fields.ts';

const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;
const DIGITS = /^\d{1,20}$/;
const INTEGER = /^-?\d{1,20}$/;
/** proto3's JSON names for the doubles JSON has no numbers for. */
const SPECIAL_DOUBLES = new Set(['NaN', 'Infinity', '-Infinity']);
const MAX_NANOS = BigInt(MAX_TIME_MS) * 1_000_000n;
/** SpanKind: UNSPECIFIED, INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER. */
const MAX_KIND = 5;
/** StatusCode: UNSET, OK, ERROR. */
const MAX_STATUS = 2;
const VALUE_KINDS = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'arrayValue', 'kvlistValue'] as const;

class Errors {
  readonly all: FieldErrors = {};
  add(field: string, message: string): void {
    (this.all[field] ??= []).push(message);
  }
  get any(): boolean {
    return Object.keys(this.all).length > 0;
  }
}

/** Epoch nanoseconds as OTLP sends them: a decimal string (64-bit) or a JSON number; 0 or absent is "not set". */
function checkNanos(v: unknown, field: string, errors: Errors): void {
  if (v === undefined || v === null) return;
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof text !== 'string' || !DIGITS.test(text)) {
    errors.add(field, `Expected epoch nanoseconds as a string of digits, got ${describe(v)}`);
  } else if (BigInt(text) > MAX_NANOS) {
    errors.add(field, `Expected a time before the year 10000, got ${text} ns`);
  }
}

function checkId(v: unknown, field: string, pattern: RegExp, hexDigits: number, required: boolean, errors: Errors): void {
  if (v === undefined || v === null || v === '') {
    if (required) errors.add(field, `Required: ${hexDigits} hex digits`);
    return;
  }
  if (typeof v !== 'string' || !pattern.test(v)) errors.add(field, `Expected ${hexDigits} hex digits, got ${describe(v)}`);
}

function checkEnum(v: unknown, field: string, max: number, errors: Errors): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    errors.add(field, `Expected an integer from 0 to ${max}, got ${describe(v)}`);
  }
}

function checkText(v: unknown, field: string, errors: Errors, max?: number): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string') errors.add(field, `Expected a string, got ${typeName(v)}`);
  else if (max !== undefined && v.length > max) errors.add(field, `Ensure this field has no more than ${max} characters.`);
}

/** A value quoted in a message: at most 60 characters of it. */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  return typeName(v);
}

/** One AnyValue's own type; its children are queued by the caller. */
function checkScalar(value: Obj, field: string, errors: Errors): void {
  const kinds = VALUE_KINDS.filter((k) => k in value);
  if (kinds.length > 1) return errors.add(field, `Expected one of ${VALUE_KINDS.join(', ')}, got ${kinds.join(' and ')}`);
  const v = value[kinds[0] as string];
  switch (kinds[0]) {
    case 'stringValue':
    case 'bytesValue':
      if (typeof v !== 'string') errors.add(`${field}.${kinds[0]}`, `Expected a string, got ${typeName(v)}`);
      return;
    case 'boolValue':
      if (typeof v !== 'boolean') errors.add(`${field}.boolValue`, `Expected a boolean, got ${typeName(v)}`);
      return;
    case 'intValue':
      if (!(typeof v === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && INTEGER.test(v))) {
        errors.add(`${field}.intValue`, `Expected a 64-bit integer (a string of digits or a number), got ${describe(v)}`);
      }
      return;
    case 'doubleValue':
      if (typeof v !== 'number' && !(typeof v === 'string' && SPECIAL_DOUBLES.has(v))) {
        errors.add(`${field}.doubleValue`, `Expected a number, got ${describe(v)}`);
      }
      return;
  }
}

interface Pending {
  /** A KeyValue list or an AnyValue list. */
  list: unknown;
  keyed: boolean;
  field: string;
  depth: number;
}

/** An attribute list (KeyValue[]) and everything under it, without recursion. */
function checkAttributes(list: unknown, field: string, errors: Errors): void {
  const stack: Pending[] = [{ list, keyed: true, field, depth: 1 }];
  while (stack.length > 0) {
    const at = stack.pop() as Pending;
    if (at.list === undefined || at.list === null) continue;
    if (!Array.isArray(at.list)) {
      errors.add(at.field, `Expected an array, got ${typeName(at.list)}`);
      continue;
    }
    if (at.depth > MAX_STORED_DEPTH) {
      errors.add(at.field, `Attribute values nest at most ${MAX_STORED_DEPTH} levels deep`);
      continue;
    }
    at.list.forEach((item, i) => {
      const path = `${at.field}.${i}`;
      let value: unknown = item;
      let valuePath = path;
      if (at.keyed) {
        if (!isObj(item)) return errors.add(path, `Expected {"key", "value"}, got ${typeName(item)}`);
        if (typeof item.key !== 'string') errors.add(`${path}.key`, `Expected a string, got ${typeName(item.key)}`);
        value = item.value;
        valuePath = `${path}.value`;
      }
      if (value === undefined || value === null) return;
      if (!isObj(value)) return errors.add(valuePath, `Expected an AnyValue object, got ${typeName(value)}`);
      checkScalar(value, valuePath, errors);
      for (const [kind, keyed] of [['arrayValue', false], ['kvlistValue', true]] as const) {
        if (!(kind in value) || value[kind] === null) continue;
        const inner = value[kind];
        if (!isObj(inner)) errors.add(`${valuePath}.${kind}`, `Expected an object, got ${typeName(inner)}`);
        else stack.push({ list: inner.values, keyed, field: `${valuePath}.${kind}.values`, depth: at.depth + 1 });
      }
    });
  }
}

/** The errors of one span's own fields, or null when it can be mapped. */
export function checkOtlpSpan(span: Obj, prefix: string): FieldErrors | null {
  const errors = new Errors();
  const f = (name: string) => `${prefix}.${name}`;
  checkId(span.traceId, f('traceId'), TRACE_ID, 32, true, errors);
  checkId(span.spanId, f('spanId'), SPAN_ID, 16, true, errors);
  checkId(span.parentSpanId, f('parentSpanId'), SPAN_ID, 16, false, errors);
  checkText(span.name, f('name'), errors, MAX_IDENTIFIER);
  checkNanos(span.startTimeUnixNano, f('startTimeUnixNano'), errors);
  checkNanos(span.endTimeUnixNano, f('endTimeUnixNano'), errors);
  checkEnum(span.kind, f('kind'), MAX_KIND, errors);
  checkAttributes(span.attributes, f('attributes'), errors);
  if (span.status !== undefined && span.status !== null) {
    if (!isObj(span.status)) errors.add(f('status'), `Expected an object, got ${typeName(span.status)}`);
    else {
      checkEnum(span.status.code, f('status.code'), MAX_STATUS, errors);
      checkText(span.status.message, f('status.message'), errors);
    }
  }
  for (const [name, checkItem] of [
    ['events', (e: Obj, p: string) => {
      checkNanos(e.timeUnixNano, `${p}.timeUnixNano`, errors);
      checkText(e.name, `${p}.name`, errors);
      checkAttributes(e.attributes, `${p}.attributes`, errors);
    }],
    ['links', (l: Obj, p: string) => {
      checkId(l.traceId, `${p}.traceId`, TRACE_ID, 32, false, errors);
      checkId(l.spanId, `${p}.spanId`, SPAN_ID, 16, false, errors);
      checkAttributes(l.attributes, `${p}.attributes`, errors);
    }],
  ] as const) {
    const list = span[name];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      errors.add(f(name), `Expected an array, got ${typeName(list)}`);
      continue;
    }
    list.forEach((item, i) => (isObj(item) ? checkItem(item, f(`${name}.${i}`)) : errors.add(f(`${name}.${i}`), `Expected an object, got ${typeName(item)}`)));
  }
  return errors.any ? errors.all : null;
}

/** The errors of a resource's or a scope's attributes (shared by all its spans), or null. */
export function checkOtlpAttributes(list: unknown, field: string): FieldErrors | null {
  const errors = new Errors();
  checkAttributes(list, field, errors);
  return errors.any ? errors.all : null;
}
