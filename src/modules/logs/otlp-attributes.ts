/**
 * The one table of OTLP span attributes the gateway reads: which field of the
 * ingest body (universal layout) each fills, and how its value is read. The
 * names are the ones their emitters publish:
 *
 * - `keywordsai`: the reference service's typing package
 *   (`KEYWORDSAI_SPAN_ATTRIBUTES_MAP` of @keywordsai/keywordsai-sdk), which its
 *   tracing SDK (@keywordsai/tracing) writes from `updateCurrentSpan({
 *   keywordsaiParams })` and `withKeywordsAISpanAttributes`;
 * - `traceloop`: Traceloop/OpenLLMetry (@traceloop/ai-semantic-conventions),
 *   which that SDK's decorators and its OpenAI instrumentation emit;
 * - `genai`: OpenTelemetry's GenAI semantic conventions (`gen_ai.*`).
 *
 * For one field the first row, in table order, that yields a value wins; rows
 * filling an object (metadata) merge, earlier rows winning per key. A row
 * whose attribute ends in `.*` reads every attribute under that prefix that no
 * exact row names, as an object keyed by the rest of the name. docs/logs.md
 * lists this table; test/modules/logs/otlp-attributes.test.ts has a test per row.
 */
import { isObj, type Obj } from './fields.ts';
import { LOG_TYPES } from './normalize.ts';

export type AttributeSource = 'keywordsai' | 'traceloop' | 'genai';

export interface AttributeRule {
  /** An attribute name, or `prefix.*` for every attribute under a prefix. */
  attribute: string;
  /** The ingest-body field it fills; dotted for a nested one (`usage.prompt_tokens`). */
  field: string;
  /** The attribute's value (for a prefix row, the object of its attributes) -> the field's, or undefined for none. */
  read: (value: unknown) => unknown;
  source: AttributeSource;
}

const LOG_TYPE_SET: ReadonlySet<string> = new Set(LOG_TYPES);

/** gen_ai.operation.name -> log_type. */
const OPERATIONS: Record<string, string> = {
  chat: 'chat',
  text_completion: 'completion',
  generate_content: 'chat',
  embeddings: 'embedding',
  execute_tool: 'tool',
  invoke_agent: 'agent',
  create_agent: 'agent',
};

/** Traceloop's llm.request.type -> log_type (its `rerank` and `unknown` name no log type). */
const REQUEST_TYPES: Record<string, string> = { chat: 'chat', completion: 'completion', embedding: 'embedding' };

/** A non-empty string; a number as its decimal text (the SDK's identifiers may be numbers). */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

/** Provider names as ids: Traceloop's OpenAI instrumentation says `OpenAI`, the conventions `openai`. */
const providerId = (v: unknown) => text(v)?.toLowerCase();

/** A token count: a non-negative integer (OTLP sends 64-bit integers as strings in JSON). */
function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && v !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

const seconds = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const flag = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
const oneOf = (table: Record<string, string>) => (v: unknown) => (typeof v === 'string' ? table[v] : undefined);
const logType = (v: unknown) => (typeof v === 'string' && LOG_TYPE_SET.has(v) ? v : undefined);

/** JSON text -> its value; anything else (or text that is not JSON) as it is. */
function decodeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

const json = (v: unknown) => (v === null || v === '' ? undefined : decodeJson(v));

/** Every value of a prefix row's object decoded from JSON (`withKeywordsAISpanAttributes` encodes each). */
const decodedValues = (v: unknown) => (isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeJson(x)])) : undefined);
const values = (v: unknown) => (isObj(v) ? v : undefined);

/** `{"0.role": "user", "0.content": "Hi", "1.role": ...}` -> messages in index order. */
function indexedMessages(v: unknown): Obj[] {
  const byIndex = new Map<number, Obj>();
  for (const [k, x] of Object.entries(isObj(v) ? v : {})) {
    const m = /^(\d+)\.(.+)$/.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const msg = byIndex.get(i) ?? {};
    msg[m[2] as string] = x;
    byIndex.set(i, msg);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, msg]) => msg);
}

const prompts = (v: unknown) => {
  const msgs = indexedMessages(v);
  return msgs.length ? msgs : undefined;
};

/** One completion is the output message itself; several (n > 1) stay a list. */
const completions = (v: unknown) => {
  const msgs = indexedMessages(v);
  return msgs.length > 1 ? msgs : msgs[0];
};

const row = (source: AttributeSource) => (attribute: string, field: string, read: AttributeRule['read']): AttributeRule => ({
  attribute,
  field,
  read,
  source,
});
const keywordsai = row('keywordsai');
const traceloop = row('traceloop');
const genai = row('genai');

export const OTLP_ATTRIBUTES: readonly AttributeRule[] = [
  // Identity of the call: model, provider, kind.
  genai('gen_ai.response.model', 'model', text),
  genai('gen_ai.request.model', 'model', text),
  // Kept beside the response's model: it prices the span when the response names an unpriced model.
  genai('gen_ai.request.model', 'request_model', text),
  genai('gen_ai.provider.name', 'provider_id', providerId),
  genai('gen_ai.system', 'provider_id', providerId),
  traceloop('traceloop.span.kind', 'log_type', logType),
  genai('gen_ai.operation.name', 'log_type', oneOf(OPERATIONS)),
  traceloop('llm.request.type', 'log_type', oneOf(REQUEST_TYPES)),

  // Where the span sits: workflow, entity path and name (parents and workflow names are completed in src/modules/traces/links.ts).
  traceloop('traceloop.workflow.name', 'span_workflow_name', text),
  genai('gen_ai.workflow.name', 'span_workflow_name', text),
  traceloop('traceloop.entity.path', 'span_path', text),
  traceloop('traceloop.entity.name', 'span_entity_name', text),

  // Input and output.
  genai('gen_ai.input.messages', 'input', json),
  traceloop('traceloop.entity.input', 'input', json),
  traceloop('gen_ai.prompt.*', 'input', prompts),
  genai('gen_ai.tool.call.arguments', 'input', json),
  genai('gen_ai.output.messages', 'output', json),
  traceloop('traceloop.entity.output', 'output', json),
  traceloop('gen_ai.completion.*', 'output', completions),
  genai('gen_ai.tool.call.result', 'output', json),

  // Usage and timing.
  genai('gen_ai.usage.input_tokens', 'usage.prompt_tokens', count),
  genai('gen_ai.usage.prompt_tokens', 'usage.prompt_tokens', count),
  genai('gen_ai.usage.output_tokens', 'usage.completion_tokens', count),
  genai('gen_ai.usage.completion_tokens', 'usage.completion_tokens', count),
  genai('gen_ai.usage.cache_read.input_tokens', 'usage.prompt_tokens_details.cached_tokens', count),
  traceloop('gen_ai.usage.cache_read_input_tokens', 'usage.prompt_tokens_details.cached_tokens', count),
  genai('gen_ai.usage.cache_creation.input_tokens', 'usage.cache_creation_prompt_tokens', count),
  traceloop('gen_ai.usage.cache_creation_input_tokens', 'usage.cache_creation_prompt_tokens', count),
  genai('gen_ai.usage.reasoning.output_tokens', 'usage.completion_tokens_details.reasoning_tokens', count),
  traceloop('gen_ai.usage.reasoning_tokens', 'usage.completion_tokens_details.reasoning_tokens', count),
  genai('gen_ai.request.stream', 'stream', flag),
  genai('gen_ai.response.time_to_first_chunk', 'time_to_first_token', seconds),

  // Identifiers the reference's SDK sets (updateCurrentSpan / withKeywordsAISpanAttributes).
  keywordsai('keywordsai.customer_params.customer_identifier', 'customer_identifier', text),
  keywordsai('keywordsai.customer_params.customer_identifier', 'customer_params.customer_identifier', text),
  keywordsai('keywordsai.customer_params.email', 'customer_params.email', text),
  keywordsai('keywordsai.customer_params.name', 'customer_params.name', text),
  keywordsai('keywordsai.threads.thread_identifier', 'thread_identifier', text),
  keywordsai('keywordsai.span_params.custom_identifier', 'custom_identifier', text),
  keywordsai('keywordsai.trace.trace_group_identifier', 'trace_group_identifier', text),
  keywordsai('keywordsai.evaluation_params.evaluation_identifier', 'evaluation_identifier', text),
  keywordsai('keywordsai.metadata.*', 'metadata', decodedValues),
  // Traceloop's association properties: the reference reads its identifiers from them, the rest is metadata.
  traceloop('traceloop.association.properties.customer_identifier', 'customer_identifier', text),
  traceloop('traceloop.association.properties.thread_identifier', 'thread_identifier', text),
  genai('gen_ai.conversation.id', 'thread_identifier', text),
  traceloop('traceloop.association.properties.*', 'metadata', values),
];

/** Attribute names some exact row reads: prefix rows leave them out. */
const EXACT: ReadonlySet<string> = new Set(OTLP_ATTRIBUTES.filter((r) => !r.attribute.endsWith('.*')).map((r) => r.attribute));

function underPrefix(attrs: Obj, prefix: string): Obj | undefined {
  const out: Obj = {};
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith(prefix) && !EXACT.has(k)) out[k.slice(prefix.length)] = v;
  return Object.keys(out).length ? out : undefined;
}

/** Sets a dotted field unless it is set; objects merge, keys already there win. */
function fill(body: Obj, field: string, value: unknown): void {
  const path = field.split('.');
  const last = path.pop() as string;
  let at = body;
  for (const p of path) {
    const next = at[p];
    at = isObj(next) ? next : (at[p] = {});
  }
  const current = at[last];
  if (current === undefined) at[last] = value;
  else if (isObj(current) && isObj(value)) at[last] = { ...value, ...current };
}

/** The ingest-body fields an OTLP span's attributes give, per the table. */
export function mapAttributes(attrs: Obj): Obj {
  const body: Obj = {};
  for (const rule of OTLP_ATTRIBUTES) {
    const raw = rule.attribute.endsWith('.*') ? underPrefix(attrs, rule.attribute.slice(0, -1)) : attrs[rule.attribute];
    if (raw === undefined) continue;
    const value = rule.read(raw);
    if (value !== undefined) fill(body, rule.field, value);
  }
  return body;
}
