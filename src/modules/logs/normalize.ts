/**
 * Ingest bodies -> SpanRecord, for both layouts the reference accepts: the
 * legacy one (prompt_messages, completion_message, prompt_tokens,
 * generation_time, ttft, customer_params, ...) and the universal one (input,
 * output, log_type, usage, latency, time_to_first_token, ...). Pure: the
 * clock, id source and prices come in through `IngestContext`.
 */
import { Value } from '@sinclair/typebox/value';
import { ValidationError, type FieldErrors } from '../../errors.ts';
import { computeCost, type CostPrices } from '../../pricing/cost.ts';
import {
  MAX_COST, MAX_IDENTIFIER, MAX_MODEL_NAME, MAX_SECONDS, MAX_SPAN_PATH, MAX_TIME_MS, MAX_TOKEN_COUNT, MIN_TIME_MS,
} from '../../lib/input-caps.ts';
import { CUSTOMER_IDENTIFIER_MAX, CustomerParams } from '../../schemas/customer.ts';
import { spanJsonText } from '../../store/span-depth.ts';
import type { Environment, SpanRecord } from '../../store/types.ts';
import { FieldReader, isObj, type Obj } from './fields.ts';

export const LOG_TYPES = [
  'text', 'chat', 'completion', 'response', 'embedding', 'transcription', 'speech', 'workflow', 'task', 'tool',
  'agent', 'handoff', 'guardrail', 'function', 'custom', 'generation', 'unknown',
] as const;
const LOG_TYPE_SET: ReadonlySet<string> = new Set(LOG_TYPES);
const TOKENS = { int: true, min: 0, max: MAX_TOKEN_COUNT };
const SECONDS = { min: 0, max: MAX_SECONDS };
const MONEY = { min: 0, max: MAX_COST };
/** A prompt version: an integer column on every backend. */
const MAX_VERSION = 2 ** 31 - 1;

export interface IngestContext {
  orgId: string;
  environment: Environment;
  apiKeyId: string | null;
  now: () => number;
  newId: () => string;
  /** The model's prices (USD per 1M tokens), or null when nothing prices it. */
  prices: (model: string) => CostPrices | null;
}

/** Fields this file turns into SpanRecord columns; everything else is kept in `extra`. */
const CONSUMED = new Set([
  'log_type', 'model', 'provider_id', 'input', 'output', 'prompt_messages', 'completion_message', 'usage',
  'prompt_tokens', 'completion_tokens', 'cost', 'latency', 'generation_time', 'time_to_first_token', 'ttft',
  'tokens_per_second', 'timestamp', 'start_time', 'metadata', 'customer_identifier', 'customer_params',
  'custom_identifier', 'thread_identifier', 'trace_unique_id', 'span_unique_id', 'span_parent_id', 'span_name',
  'span_workflow_name', 'span_path', 'span_entity_name', 'prompt_id', 'prompt_version', 'status', 'status_code',
  'error_message', 'stream', 'positive_feedback', 'cached', 'cache_hit', 'keywordsai_api_controls',
  'total_request_tokens',
  // Server-controlled: never taken from a body.
  'id', 'unique_id', 'organization_id', 'org_id', 'api_key_id', 'pricing_model',
]);

/** JSON text of an input/output value: strings are kept as sent, anything else serialized (depth-bounded). */
function serialize(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : spanJsonText(v);
}

/** `keywordsai_api_controls.block` (default true). Errors land in `errors`. */
export function readBlock(body: Obj, errors: FieldErrors): boolean {
  const c = body.keywordsai_api_controls;
  if (c === undefined || c === null) return true;
  if (!isObj(c)) {
    errors.keywordsai_api_controls = ['Expected an object'];
    return true;
  }
  if (c.block === undefined) return true;
  if (typeof c.block !== 'boolean') {
    errors['keywordsai_api_controls.block'] = ['Expected a boolean'];
    return true;
  }
  return c.block;
}

interface Usage {
  prompt: number | null | undefined;
  completion: number | null | undefined;
  cached: number | null | undefined;
  creation: number | null | undefined;
  reasoning: number | null | undefined;
}

function readUsage(r: FieldReader, usage: Obj | null | undefined): Usage {
  const u = usage ?? {};
  const details = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : isObj(u.input_tokens_details) ? u.input_tokens_details : {};
  const out = isObj(u.completion_tokens_details) ? u.completion_tokens_details : isObj(u.output_tokens_details) ? u.output_tokens_details : {};
  const tok = TOKENS;
  return {
    prompt: r.numFrom(u.prompt_tokens ?? u.input_tokens, 'usage.prompt_tokens', tok),
    completion: r.numFrom(u.completion_tokens ?? u.output_tokens, 'usage.completion_tokens', tok),
    cached: r.numFrom(details.cached_tokens ?? u.cache_read_input_tokens, 'usage.prompt_tokens_details.cached_tokens', tok),
    creation: r.numFrom(
      u.cache_creation_prompt_tokens ?? u.cache_creation_input_tokens,
      'usage.cache_creation_prompt_tokens',
      tok,
    ),
    reasoning: r.numFrom(out.reasoning_tokens, 'usage.completion_tokens_details.reasoning_tokens', tok),
  };
}

/** Validates and normalizes one body. Throws ValidationError naming every bad field. */
export function normalizeSpan(raw: unknown, ctx: IngestContext, fieldPrefix = ''): SpanRecord {
  if (!isObj(raw)) throw ValidationError.field(fieldPrefix || 'body', 'Expected a JSON object');
  const r = new FieldReader(raw, fieldPrefix);
  const tok = TOKENS;

  const logType = r.str('log_type') ?? 'chat';
  if (!LOG_TYPE_SET.has(logType)) r.fail('log_type', `"${logType}" is not a valid choice. Valid: ${LOG_TYPES.join(', ')}`);

  const usage = readUsage(r, r.obj('usage'));
  const prompt = r.num('prompt_tokens', tok) ?? usage.prompt ?? 0;
  const completion = r.num('completion_tokens', tok) ?? usage.completion ?? 0;
  const cached = usage.cached ?? 0;
  const creation = usage.creation ?? 0;

  const latencyIn = r.num('latency', SECONDS) ?? r.num('generation_time', SECONDS) ?? null;
  const ttft = r.num('time_to_first_token', SECONDS) ?? r.num('ttft', SECONDS) ?? null;
  const givenCost = r.num('cost', MONEY);
  const promptUnit = r.num('prompt_unit_price', MONEY);
  const completionUnit = r.num('completion_unit_price', MONEY);

  const model = r.str('model', MAX_MODEL_NAME) ?? null;
  // Ours: the model the caller asked for, when the answer names another (OTLP's
  // gen_ai.request.model beside gen_ai.response.model). Kept with the span.
  const requestModel = r.str('request_model', MAX_MODEL_NAME) ?? null;
  const customerParams = r.obj('customer_params');
  if (customerParams) {
    for (const e of Value.Errors(CustomerParams, customerParams)) {
      r.fail(`customer_params${e.path.replaceAll('/', '.')}`, e.message);
    }
  }
  const paramsCustomer =
    customerParams && typeof customerParams.customer_identifier === 'string' ? customerParams.customer_identifier : null;
  const customer = r.str('customer_identifier', CUSTOMER_IDENTIFIER_MAX) ?? paramsCustomer;

  const statusCode = r.num('status_code', { int: true, min: 100, max: 999 }) ?? 200;
  const errorMessage = r.str('error_message') ?? '';
  const statusIn = r.str('status');
  if (statusIn !== undefined && statusIn !== null && statusIn !== 'success' && statusIn !== 'error') {
    r.fail('status', `"${statusIn}" is not a valid choice. Valid: success, error`);
  }

  const metadata = r.obj('metadata');
  const timestampIn = r.time('timestamp');
  const startIn = r.time('start_time');
  const input = r.has('input') ? serialize(raw.input) : r.has('prompt_messages') ? serialize(raw.prompt_messages) : null;
  if (r.has('prompt_messages') && !Array.isArray(raw.prompt_messages) && raw.prompt_messages !== null) {
    r.fail('prompt_messages', 'Expected an array of messages');
  }
  const fullRequest = isObj(raw.full_request) ? raw.full_request : null;
  const output = r.has('output')
    ? serialize(raw.output)
    : r.has('completion_message')
      ? serialize(raw.completion_message)
      : null;

  const ids = {
    custom_identifier: r.str('custom_identifier', MAX_IDENTIFIER) ?? null,
    thread_identifier: r.str('thread_identifier', MAX_IDENTIFIER) ?? null,
    trace_unique_id: r.str('trace_unique_id', MAX_IDENTIFIER) ?? null,
    span_unique_id: r.str('span_unique_id', MAX_IDENTIFIER) ?? null,
    span_parent_id: r.str('span_parent_id', MAX_IDENTIFIER) ?? null,
    span_name: r.str('span_name', MAX_IDENTIFIER) ?? null,
    span_workflow_name: r.str('span_workflow_name', MAX_IDENTIFIER) ?? null,
    span_path: r.str('span_path', MAX_SPAN_PATH) ?? null,
    span_entity_name: r.str('span_entity_name', MAX_IDENTIFIER) ?? null,
    prompt_id: r.str('prompt_id', MAX_IDENTIFIER) ?? null,
  };
  const promptVersion = r.num('prompt_version', { int: true, min: 0, max: MAX_VERSION }) ?? null;
  const stream = r.bool('stream') ?? false;
  const positiveFeedback = r.bool('positive_feedback') ?? null;
  const cacheHit = r.bool('cached') ?? r.bool('cache_hit') ?? false;
  const providerId = r.str('provider_id', MAX_MODEL_NAME) ?? null;
  readBlock(raw, r.errors);
  // A latency reaching back before 1970 would make a start time no date can hold.
  if (timestampIn !== undefined && startIn === undefined && latencyIn !== null && timestampIn - latencyIn * 1000 < MIN_TIME_MS) {
    r.fail('latency', 'Reaches back before 1970-01-01 from the timestamp');
  }
  if (startIn !== undefined && timestampIn === undefined && latencyIn !== null && startIn + latencyIn * 1000 > MAX_TIME_MS) {
    r.fail('latency', 'Reaches past the year 9999 from the start time');
  }

  if (Object.keys(r.errors).length > 0) throw new ValidationError(r.errors);

  const timestamp = timestampIn ?? (startIn !== undefined && latencyIn !== null ? startIn + latencyIn * 1000 : ctx.now());
  const startTime = startIn ?? timestamp - Math.round((latencyIn ?? 0) * 1000);
  // An ingested span may carry only start_time and timestamp (OTLP, trace ingest): latency follows from them.
  const latency = latencyIn ?? (startIn !== undefined && timestampIn !== undefined ? (timestamp - startTime) / 1000 : null);

  let cost = givenCost ?? null;
  // The model whose prices gave the cost: a response may name a model the price
  // table does not know (a dated or provider-specific name) while the request's does.
  let pricingModel: string | null = null;
  if (cost === null) {
    let prices: CostPrices | null = null;
    for (const name of [model, requestModel]) {
      prices = name ? ctx.prices(name) : null;
      if (prices) {
        pricingModel = name;
        break;
      }
    }
    const base: CostPrices = prices ?? { input_cost: 0, output_cost: 0, cache_hit_input_cost: null, cache_creation_input_cost: null };
    cost = computeCost(
      { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: cached, cache_creation_tokens: creation },
      base,
      { prompt_unit_price: promptUnit, completion_unit_price: completionUnit },
    );
  }

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!CONSUMED.has(k)) extra[k] = v;
  if (customerParams) extra.customer_params = customerParams;
  if (pricingModel) extra.pricing_model = pricingModel;
  if (input === null && fullRequest && Array.isArray(fullRequest.messages)) {
    // Seed 003: messages are taken from full_request when prompt_messages is absent.
    return finish(serialize(fullRequest.messages));
  }
  return finish(input);

  function finish(inputText: string | null): SpanRecord {
    const failed = statusIn === 'error' || (statusIn !== 'success' && (statusCode >= 400 || errorMessage !== ''));
    return {
      unique_id: ctx.newId(),
      org_id: ctx.orgId,
      environment: ctx.environment,
      api_key_id: ctx.apiKeyId,
      log_type: logType,
      model,
      provider_id: providerId,
      status: failed ? 'error' : 'success',
      status_code: statusCode,
      error_message: errorMessage,
      start_time: startTime,
      timestamp,
      latency,
      time_to_first_token: ttft,
      tokens_per_second: latency && latency > 0 ? completion / latency : null,
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_request_tokens: prompt + completion,
      cached_tokens: cached,
      cache_creation_tokens: creation,
      reasoning_tokens: usage.reasoning ?? 0,
      cost: cost ?? 0,
      customer_identifier: customer,
      ...ids,
      prompt_version: promptVersion,
      stream,
      cached: cacheHit,
      positive_feedback: positiveFeedback,
      metadata: metadata ?? null,
      input: inputText,
      output,
      extra,
    };
  }
}
