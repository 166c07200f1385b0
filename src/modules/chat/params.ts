/**
 * Splits a proxy request into what goes upstream and the gateway's own
 * parameters, and reads the `X-Data-Keywordsai-Params` header (JSON or
 * base64 JSON), whose fields sit under the body's own.
 */
import { Value } from '@sinclair/typebox/value';
import { ValidationError } from '../../errors.ts';
import { MAX_STORED_DEPTH } from '../../lib/input-caps.ts';
import { nestsDeeperThan } from '../../lib/json-depth.ts';
import { GATEWAY_PARAM_NAMES, GatewayParams } from '../../schemas/gateway.ts';
import type { ApiName } from './api.ts';

export const PARAMS_HEADER = 'x-data-keywordsai-params';

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Gateway parameters from outside the body's top level, validated; errors name `where`. */
function validParams(obj: Record<string, unknown>, where: string): GatewayParams {
  const first = Value.Errors(GatewayParams, obj).First();
  if (first) {
    const field = first.path.replace(/^\//, '').replaceAll('/', '.');
    throw ValidationError.field(`${where}${field ? `.${field}` : ''}`, first.message);
  }
  return obj as GatewayParams;
}

/**
 * The header's parameters, validated; null when the header is absent. The
 * header does not pass through the body parser, so its nesting is bounded
 * here, to the depth a stored span keeps.
 */
export function headerParams(value: string | null | undefined): GatewayParams | null {
  if (!value) return null;
  const trimmed = value.trim();
  const obj =
    parseJsonObject(trimmed) ?? parseJsonObject(Buffer.from(trimmed, 'base64').toString('utf8'));
  if (!obj) {
    throw ValidationError.field(PARAMS_HEADER, 'must be a JSON object, or a base64-encoded JSON object');
  }
  if (nestsDeeperThan(obj, MAX_STORED_DEPTH)) {
    throw ValidationError.field(PARAMS_HEADER, `nests deeper than ${MAX_STORED_DEPTH} levels`);
  }
  return validParams(obj, PARAMS_HEADER);
}

/** Where the Anthropic SDK's users put gateway parameters (the reference documents it). */
export const MESSAGES_PARAMS_FIELD = 'keywordsai_params';

export interface SplitRequest {
  /** The body minus gateway parameters (and minus `model`, which routing sets per attempt). */
  upstream: Record<string, unknown>;
  params: GatewayParams & { model?: string };
}

/**
 * One pass over the body's keys; header parameters fill what the body does not set.
 * `metadata` is the gateway's own on chat completions; the Responses API has a
 * `metadata` of its own, which is sent on and also recorded; on the Messages
 * API it is Anthropic's, and its `keywordsai_params` (between the header and
 * the body's top level in precedence) carries gateway parameters.
 */
export function splitRequest(body: Record<string, unknown>, header: GatewayParams | null, api: ApiName = 'chat'): SplitRequest {
  const upstream: Record<string, unknown> = {};
  const params: Record<string, unknown> = header ? { ...header } : {};
  for (const k in body) {
    const v = body[k];
    if (v === undefined) continue;
    if (k === 'model') params.model = v;
    else if (k === 'metadata' && api === 'responses') upstream.metadata = params.metadata = v;
    else if (k === 'metadata' && api === 'messages') {
      const { [MESSAGES_PARAMS_FIELD]: inner, ...rest } = v as Record<string, unknown>;
      if (inner !== undefined) {
        if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
          throw ValidationError.field(`metadata.${MESSAGES_PARAMS_FIELD}`, 'must be an object of gateway parameters');
        }
        for (const [pk, pv] of Object.entries(validParams(inner as Record<string, unknown>, `metadata.${MESSAGES_PARAMS_FIELD}`))) {
          if (!Object.hasOwn(body, pk)) params[pk] = pv;
        }
      }
      if (Object.keys(rest).length > 0) upstream.metadata = rest;
    } else if (GATEWAY_PARAM_NAMES.has(k)) params[k] = v;
    else upstream[k] = v;
  }
  return { upstream, params: params as SplitRequest['params'] };
}
