/**
 * OTLP spans (OTLP/JSON shape) -> ingest bodies in the universal layout,
 * which then go through the same normalization as every other span. Maps the
 * GenAI semantic conventions (gen_ai.*), the OpenLLMetry/Traceloop attributes
 * the reference's tracing SDKs emit, and the reference's own `keywordsai.*`
 * attributes. Every attribute is also kept on the span as `span_attributes`.
 */
import { isObj, type Obj } from './fields.ts';
import { asArray } from './otlp-decode.ts';
import { LOG_TYPES } from './normalize.ts';

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

/** An OTLP AnyValue -> a JS value. */
export function anyValue(v: unknown): unknown {
  if (!isObj(v)) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return asArray(isObj(v.arrayValue) ? v.arrayValue.values : undefined).map(anyValue);
  if ('kvlistValue' in v) return attributes(isObj(v.kvlistValue) ? v.kvlistValue.values : undefined);
  return null;
}

export function attributes(list: unknown): Obj {
  const out: Obj = {};
  for (const kv of asArray(list)) if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  return out;
}

/** Nanoseconds (string or number) -> ISO string; precision beyond ms is dropped. */
function nanosToIso(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '' || v === '0' || v === 0) return undefined;
  const ms = typeof v === 'string' ? Number(BigInt(v) / 1_000_000n) : Number(v) / 1e6;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' ? Number(v) : undefined);

function jsonOrText(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** Indexed `gen_ai.prompt.N.role/content` (OpenLLMetry) -> messages. */
function indexedMessages(attrs: Obj, prefix: string): Obj[] {
  const byIndex = new Map<number, Obj>();
  for (const [k, v] of Object.entries(attrs)) {
    const m = new RegExp(`^${prefix.replaceAll('.', '\\.')}\\.(\\d+)\\.(.+)$`).exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const msg = byIndex.get(i) ?? {};
    msg[m[2] as string] = v;
    byIndex.set(i, msg);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
}

/** Attributes under a prefix, with the prefix removed. */
function under(attrs: Obj, prefix: string): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

function logTypeOf(attrs: Obj, hasModel: boolean): string {
  const own = str(attrs['keywordsai.log_type']) ?? str(attrs['keywordsai.span.log_type']);
  if (own && LOG_TYPE_SET.has(own)) return own;
  const kind = str(attrs['traceloop.span.kind']);
  if (kind && LOG_TYPE_SET.has(kind)) return kind;
  const op = str(attrs['gen_ai.operation.name']);
  if (op && OPERATIONS[op]) return OPERATIONS[op];
  const requestType = str(attrs['llm.request.type']);
  if (requestType === 'embedding') return 'embedding';
  if (requestType === 'completion') return 'completion';
  return hasModel || requestType === 'chat' ? 'chat' : 'custom';
}

/** One OTLP span -> an ingest body (universal layout). */
export function otlpSpanToBody(span: Obj, resource: Obj, scope: Obj): Obj {
  const attrs = attributes(span.attributes);
  const model = str(attrs['gen_ai.response.model']) ?? str(attrs['gen_ai.request.model']) ?? str(attrs['keywordsai.model']);
  const input =
    attrs['gen_ai.input.messages'] ??
    attrs['traceloop.entity.input'] ??
    (indexedMessages(attrs, 'gen_ai.prompt').length ? indexedMessages(attrs, 'gen_ai.prompt') : undefined);
  const completions = indexedMessages(attrs, 'gen_ai.completion');
  const output =
    attrs['gen_ai.output.messages'] ??
    attrs['traceloop.entity.output'] ??
    (completions.length === 1 ? completions[0] : completions.length ? completions : undefined);
  const status = isObj(span.status) ? span.status : {};
  const failed = Number(status.code ?? 0) === 2;
  const exception = asArray(span.events)
    .filter(isObj)
    .map((e) => attributes(e.attributes))
    .find((a) => typeof a['exception.message'] === 'string');
  const props = { ...under(attrs, 'traceloop.association.properties.') };
  const customer =
    str(attrs['keywordsai.customer_params.customer_identifier']) ??
    str(attrs['keywordsai.customer_identifier']) ??
    str(props.customer_identifier);
  const thread = str(attrs['keywordsai.thread_identifier']) ?? str(props.thread_identifier);
  delete props.customer_identifier;
  delete props.thread_identifier;
  const ownMetadata = jsonOrText(attrs['keywordsai.metadata']);
  const metadata = {
    ...props,
    ...under(attrs, 'keywordsai.metadata.'),
    ...(isObj(ownMetadata) ? ownMetadata : {}),
  };
  const customerParams = under(attrs, 'keywordsai.customer_params.');
  const parent = str(span.parentSpanId);
  const body: Obj = {
    log_type: logTypeOf(attrs, model !== undefined),
    model,
    provider_id: str(attrs['gen_ai.provider.name']) ?? str(attrs['gen_ai.system']),
    trace_unique_id: str(span.traceId),
    span_unique_id: str(span.spanId),
    span_parent_id: parent && !/^0+$/.test(parent) ? parent : undefined,
    span_name: str(span.name),
    span_workflow_name: str(attrs['traceloop.workflow.name']) ?? str(attrs['keywordsai.span_workflow_name']),
    start_time: nanosToIso(span.startTimeUnixNano),
    timestamp: nanosToIso(span.endTimeUnixNano),
    input: input === undefined ? undefined : jsonOrText(input),
    output: output === undefined ? undefined : jsonOrText(output),
    usage: {
      prompt_tokens: int(attrs['gen_ai.usage.input_tokens'] ?? attrs['gen_ai.usage.prompt_tokens']),
      completion_tokens: int(attrs['gen_ai.usage.output_tokens'] ?? attrs['gen_ai.usage.completion_tokens']),
      prompt_tokens_details: { cached_tokens: int(attrs['gen_ai.usage.cache_read_input_tokens']) },
      cache_creation_prompt_tokens: int(attrs['gen_ai.usage.cache_creation_input_tokens']),
    },
    customer_identifier: customer,
    thread_identifier: thread,
    custom_identifier: str(attrs['keywordsai.custom_identifier']),
    stream: typeof attrs['llm.is_streaming'] === 'boolean' ? attrs['llm.is_streaming'] : undefined,
    status: failed ? 'error' : 'success',
    status_code: failed ? 500 : 200,
    error_message: failed ? (str(status.message) ?? str(exception?.['exception.message']) ?? 'error') : undefined,
    metadata: Object.keys(metadata).length ? metadata : undefined,
    customer_params: customer && customerParams.customer_identifier ? customerParams : undefined,
    span_attributes: attrs,
    span_kind: span.kind,
    resource_attributes: resource,
    instrumentation_scope: Object.keys(scope).length ? scope : undefined,
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

/** Every span of an export request, as ingest bodies. */
export function otlpToBodies(request: Obj): Obj[] {
  const out: Obj[] = [];
  for (const rs of asArray(request.resourceSpans).filter(isObj)) {
    const resource = attributes(isObj(rs.resource) ? rs.resource.attributes : undefined);
    for (const ss of asArray(rs.scopeSpans ?? rs.instrumentationLibrarySpans).filter(isObj)) {
      const sc = isObj(ss.scope) ? ss.scope : isObj(ss.instrumentationLibrary) ? ss.instrumentationLibrary : {};
      const scope: Obj = {};
      if (typeof sc.name === 'string') scope.name = sc.name;
      if (typeof sc.version === 'string' && sc.version) scope.version = sc.version;
      for (const span of asArray(ss.spans).filter(isObj)) out.push(otlpSpanToBody(span, resource, scope));
    }
  }
  return out;
}
