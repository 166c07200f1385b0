/**
 * Requests the fuzzer sends, as fast-check arbitraries: for one route, a
 * plausible body (an example of what its clients send, or any JSON for a
 * route with none) and then one of the mutations of issue 17: mutated types,
 * missing and unknown fields, invalid JSON, byte order marks, UTF-16, invalid
 * UTF-8, random bytes, huge strings, deep nesting, wrong content types,
 * fuzzed query strings and bodies over the limit; with each kind of key, a
 * wrong key, or none.
 */
import fc from 'fast-check';
import { BODY_LIMIT_MB, type FuzzKeys } from './gateway.ts';

export interface Route {
  method: string;
  /** OpenAPI form: `/prompts/{prompt_id}`, `/models/*`. */
  path: string;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  /** The mutation that made it, for the table and for reproducing. */
  kind: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const MESSAGES = [{ role: 'user', content: 'Hello' }];
const SPAN = { log_type: 'chat', model: 'gpt-4o', input: 'hi', output: 'ok', prompt_tokens: 1, completion_tokens: 1, metadata: { tier: 'gold' } };
const OTLP: Json = {
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
    scopeSpans: [{
      spans: [{
        traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'llm', kind: 3,
        startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000001000000000',
        attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }, { key: 'llm.usage.total_tokens', value: { intValue: '3' } }],
      }],
    }],
  }],
};
const LIST = { filters: { cost: { operator: 'gte', value: [0] }, metadata__tier: { operator: '', value: ['gold'] } }, page_size: 10 };

/** What clients of each route send; routes not listed get arbitrary JSON objects. */
const EXAMPLES: Record<string, Json[]> = {
  'POST /temporary-keys/': [{ name: 'fuzz key', rate_limit: 10, max_usage: 5, spending_limit: 1 }],
  'PATCH /temporary-keys/{id}': [{ name: 'renamed' }, { spending_limit: null, max_usage: -1 }],
  'POST /chat/completions': [
    { model: 'mock/echo', messages: MESSAGES },
    { model: 'mock/echo', messages: MESSAGES, stream: true, customer_identifier: 'c1', metadata: { a: 1 } },
    { model: 'mock/fail-once', messages: MESSAGES, fallback_models: ['mock/echo'] },
    { model: 'gpt-4o', messages: MESSAGES, customer_credentials: { openai: { api_key: 'sk-fuzz' } } },
    { prompt: { prompt_id: 'x', variables: { name: 'a' }, override: false }, messages: MESSAGES },
  ],
  'POST /embeddings': [{ model: 'mock/echo', input: 'hello' }],
  'POST /responses': [{ model: 'mock/echo', input: 'Hi' }, { model: 'mock/echo', input: 'Hi', stream: true }],
  'POST /v1/responses': [{ model: 'mock/echo', input: [{ role: 'user', content: 'Hi' }] }],
  'POST /anthropic/v1/messages': [{ model: 'mock/echo', max_tokens: 16, messages: MESSAGES }, { model: 'mock/echo', max_tokens: 16, messages: MESSAGES, stream: true }],
  'POST /request-logs': [SPAN],
  'POST /request-logs/create': [SPAN, { ...SPAN, keywordsai_api_controls: { block: false } }],
  'POST /request-logs/batch/create': [{ logs: [SPAN, SPAN] }],
  'POST /v1/traces/ingest': [[{ trace_unique_id: 't1', span_unique_id: 'a', span_name: 'root', log_type: 'workflow' }, { trace_unique_id: 't1', span_unique_id: 'b', span_parent_id: 'a', ...SPAN }]],
  'POST /traces/ingest': [{ spans: [{ trace_unique_id: 't2', span_unique_id: 'a', span_name: 'root' }] }],
  'POST /integrations/v1/traces/ingest': [[{ trace_unique_id: 't3', span_unique_id: 'a', span_name: 'root' }]],
  'POST /v1/traces': [OTLP],
  'POST /request-logs/list': [LIST],
  'POST /request-logs/summary': [LIST],
  'PATCH /request-logs/batch-update': [{ logs: [{ unique_id: 'x', note: 'n', positive_feedback: true }] }],
  'PATCH /request-logs/{unique_id}': [{ metadata: { b: 2 }, custom_identifier: 'c1', note: 'n' }],
  'POST /traces/list': [{ filters: { total_cost: { operator: 'gte', value: [0] } } }],
  'POST /log_threads': [{ filters: {} }],
  'POST /prompts/': [{ name: 'p', description: 'd' }],
  'PATCH /prompts/{prompt_id}': [{ name: 'p2' }],
  'POST /prompts/{prompt_id}/versions': [{ messages: [{ role: 'system', content: 'Hi {{name}}' }], model: 'mock/echo', temperature: 0.5 }],
  'PATCH /prompts/{prompt_id}/versions/{version}': [{ temperature: 0.7, deploy: true }],
  'POST /models/': [{ model_name: 'fuzz-model', provider_id: 'mock', input_cost: 1, output_cost: 2 }],
  'PATCH /models/*': [{ input_cost: 3 }],
  'POST /users/list': [{ filters: { customer_identifier: { operator: 'icontains', value: ['c'] } } }],
  'PATCH /users/{customer_identifier}': [{ period_budget: 10, budget_duration: 'monthly', metadata: { a: 1 } }],
};

const QUERY_NAMES = [
  'page', 'page_size', 'sort_by', 'is_test', 'all_envs', 'environment', 'start_time', 'end_time', 'customer_identifier',
  'bucket', 'by', 'order_by', 'limit', 'summary_type', 'date', 'timezone_offset', 'model', 'cost', 'cost__gte',
  'metadata__tier', 'status_code', 'filters', 'search', 'trace_unique_id', 'include_spans',
];
const MODELS = ['mock/echo', 'mock/fail-once', 'mock/rate-limit', 'mock/bad-request', 'mock/unauthorized', 'mock/stream-break', 'gpt-4o', 'claude-3-5-sonnet', 'nope/none', ''];
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/x-protobuf', 'application/xml', 'application/json; charset=utf-16', 'image/png', ''];

const LIMIT = BODY_LIMIT_MB * 1024 * 1024;
/** Lone surrogates cannot be put in a URL at all: they become U+FFFD first. */
const uri = (s: string) => encodeURIComponent(s.toWellFormed());
const enc = new TextEncoder();

const anyJson: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('../../etc/passwd', '%00', '\u0000', '💥🧨', "' OR 1=1 --", '%', '_', '\\', '{{name}}', 'null', '-1', '1e309', 'NaN', ' '),
  fc.integer().map(String),
);
const leaf: fc.Arbitrary<Json> = fc.oneof(fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), weirdString, fc.constant(null), fc.constantFrom(...MODELS));

function nest(levels: number, inner: string): string {
  return '{"a":'.repeat(levels) + inner + '}'.repeat(levels);
}

/** A random path into a JSON value: the keys/indexes of an existing node. */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length > 200) return out;
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out); });
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push([...prefix, k]); paths(x, [...prefix, k], out); }
  return out;
}

function edit(v: Json, path: (string | number)[], f: (parent: Json[] | Record<string, Json>, key: string | number) => void): Json {
  const copy = structuredClone(v);
  let node: Json = copy;
  for (const k of path.slice(0, -1)) node = (node as Record<string, Json>)[k as string] as Json;
  const last = path.at(-1);
  if (last !== undefined && node && typeof node === 'object') f(node as Record<string, Json>, last);
  return copy;
}

function json(kind: string, value: Json | string): Body {
  return { kind, body: enc.encode(typeof value === 'string' ? value : JSON.stringify(value)) };
}

/** One body for a route: its example, then one mutation. */
interface Body {
  kind: string;
  body: Uint8Array | null;
  /** Content-Type to send instead of application/json; '' for none. */
  type?: string;
}

function bodies(base: fc.Arbitrary<Json>): fc.Arbitrary<Body> {
  return base.chain((b) => {
    const at = paths(b);
    const somePath = at.length ? fc.constantFrom(...at) : fc.constant([] as (string | number)[]);
    // Weighted toward mutations that get past the body layer into a route's own checks.
    return fc.oneof(
      { weight: 2, arbitrary: fc.constant(json('valid', b)) },
      { weight: 3, arbitrary: fc.tuple(somePath, leaf).map(([p, x]) => json('mutated type', p.length ? edit(b, p, (o, k) => { (o as Record<string, Json>)[k as string] = x; }) : x)) },
      { weight: 3, arbitrary: fc.tuple(somePath, anyJson).map(([p, x]) => json('mutated type', p.length ? edit(b, p, (o, k) => { (o as Record<string, Json>)[k as string] = x; }) : x)) },
      { weight: 2, arbitrary: somePath.map((p) => json('missing field', p.length ? edit(b, p, (o, k) => { if (Array.isArray(o)) o.splice(Number(k), 1); else delete o[k]; }) : {})) },
      { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 20 }), anyJson).map(([k, x]) => json('unknown field', b && typeof b === 'object' && !Array.isArray(b) ? { ...b, [k]: x } : { [k]: x, v: b })) },
      { weight: 1, arbitrary: fc.nat({ max: 1000 }).map((n) => { const s = JSON.stringify(b); return json('invalid json', s.slice(0, Math.max(0, s.length - 1 - (n % Math.max(1, s.length))))); }) },
      { weight: 1, arbitrary: fc.constantFrom('{', '{"a":}', "{'a':1}", '[1,]', 'undefined', '{"a":1}{"b":2}', '\u0000', 'NaN', '{"a":01}').map((s) => json('invalid json', s)) },
      { weight: 1, arbitrary: fc.constantFrom([0xef, 0xbb, 0xbf], [0xfe, 0xff], [0xff, 0xfe]).map((bom) => ({ kind: 'bom', body: new Uint8Array([...bom, ...enc.encode(JSON.stringify(b))]) })) },
      { weight: 1, arbitrary: fc.boolean().map((le) => ({ kind: 'utf-16', body: utf16(JSON.stringify(b), le) })) },
      { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom([0xc3, 0x28], [0xff], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80])).map(([n, bad]) => {
        const s = enc.encode(JSON.stringify(b));
        const i = s.length ? n % s.length : 0;
        return { kind: 'invalid utf-8', body: new Uint8Array([...s.subarray(0, i), ...bad, ...s.subarray(i)]) };
      }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((body) => ({ kind: 'random bytes', body })) },
      { weight: 3, arbitrary: fc.tuple(somePath, fc.oneof(fc.integer({ min: 1000, max: 120_000 }), fc.integer({ min: 10_000, max: LIMIT - 4096 })), fc.constantFrom('x', 'é', '💥', '\\"', '%')).map(([p, n, ch]) => {
        const huge = ch.repeat(Math.floor(n / Math.max(1, enc.encode(ch).length + 1)));
        return json('huge string', p.length ? edit(b, p, (o, k) => { (o as Record<string, Json>)[k as string] = huge; }) : huge);
      }) },
      { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 100, max: 140 }), fc.constantFrom(100_000, 0)).map(([levels, far]) => {
        const deep = nest(far || levels, '1');
        const s = JSON.stringify(b && typeof b === 'object' && !Array.isArray(b) ? { ...b, deep: 0 } : { deep: 0, v: b });
        return json('deep nesting', s.replace('"deep":0', `"deep":${deep}`));
      }) },
      { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES).map((type) => ({ ...json('wrong content type', b), type })) },
      { weight: 1, arbitrary: fc.integer({ min: LIMIT + 1, max: LIMIT + 256 * 1024 }).map((n) => ({ kind: 'over the limit', body: new Uint8Array(n).fill(0x20) })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'empty body', body: new Uint8Array(0) }) },
    );
  });
}

function utf16(s: string, le: boolean): Uint8Array {
  const out = new Uint8Array(s.length * 2 + 2);
  out.set(le ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 + i * 2] = le ? c & 0xff : c >> 8;
    out[3 + i * 2] = le ? c >> 8 : c & 0xff;
  }
  return out;
}

const queryString: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 10 })), fc.oneof(weirdString, fc.constantFrom('true', 'false', 'maybe', '0', '-1', '1000000', '2024-01-01T00:00:00Z', 'x'.repeat(4000)))), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => `${uri(k)}=${uri(v)}`).join('&'));

function pathValue(name: string, ids: Record<string, string[]>): fc.Arbitrary<string> {
  const known = ids[name] ?? [];
  const id = fc.oneof(
    { weight: 3, arbitrary: known.length ? fc.constantFrom(...known) : fc.constant('missing') },
    { weight: 2, arbitrary: weirdString },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(3000), '..', '.', '%2F', 'a/b') },
  );
  return id.map((v) => uri(v).replaceAll('%2F', '/'));
}

/** Any request to `route`, authenticated with one of `keys` or not. */
export function requestsFor(route: Route, keys: FuzzKeys, ids: Record<string, string[]>): fc.Arbitrary<FuzzRequest> {
  const key = `${route.method} ${route.path}`;
  const examples = EXAMPLES[key];
  const base: fc.Arbitrary<Json> = examples ? fc.constantFrom(...examples) : fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 4 });
  const params = [...route.path.matchAll(/\{(\w+)\}|\*/g)].map((m) => m[1] ?? 'model');
  // Mostly keys that pass, so that most requests reach the route's own checks.
  const auth = fc.constantFrom<[string, string | null]>(
    ['admin', `Bearer ${keys.admin}`], ['admin', `Bearer ${keys.admin}`], ['admin', `Bearer ${keys.admin}`], ['admin', `Bearer ${keys.admin}`],
    ['member', `Bearer ${keys.member}`], ['member', `Bearer ${keys.member}`], ['read_only', `Bearer ${keys.read_only}`],
    ['none', null], ['wrong key', 'Bearer abcdefgh.0123456789abcdefghijklmnopqrstuv'],
    ['malformed', 'Bearer'], ['malformed', `Basic ${keys.admin}`], ['api-key header', `Api-Key ${keys.admin}`],
  );
  // fetch cannot send a GET with a body; a DELETE sometimes carries one.
  const none: fc.Arbitrary<Body> = fc.constant({ kind: 'no body', body: null });
  const body = route.method === 'GET' ? none : route.method === 'DELETE' ? fc.oneof({ weight: 3, arbitrary: none }, { weight: 1, arbitrary: bodies(base) }) : bodies(base);
  const paramsHeader = fc.option(fc.oneof(weirdString, anyJson.map((v) => Buffer.from(JSON.stringify(v)).toString('base64')), anyJson.map((v) => JSON.stringify(v))), { freq: 8 });
  return fc
    .record({
      values: fc.tuple(...params.map((p) => pathValue(p, ids))),
      query: fc.option(queryString, { freq: 2 }),
      auth,
      body,
      paramsHeader,
      api: fc.boolean(),
      slash: fc.boolean(),
    })
    .map(({ values, query, auth: [who, authorization], body: b, paramsHeader: ph, api, slash }) => {
      let i = 0;
      let path = route.path.replace(/\{\w+\}|\*/g, () => values[i++] ?? 'x');
      if (slash && !path.endsWith('/')) path += '/';
      if (api) path = `/api${path}`;
      if (query) path += `?${query}`;
      const headers: Record<string, string> = {};
      if (authorization) headers.authorization = authorization.replace(/^Api-Key /, '');
      if (authorization?.startsWith('Api-Key')) { delete headers.authorization; headers['x-api-key'] = keys.admin; }
      if (b.body) headers['content-type'] = b.type ?? 'application/json';
      if (b.type === '') delete headers['content-type'];
      // Header values are bytes 0x20-0x7e on the wire; anything else would fail in fetch, not in the gateway.
      if (ph !== null) headers['x-data-keywordsai-params'] = String(ph).replace(/[^\x20-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
      return { method: route.method, path, headers, body: b.body, kind: `${b.kind}${query ? ' +query' : ''}, ${who}` };
    });
}
