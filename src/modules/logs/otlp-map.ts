/**
 * OTLP spans (OTLP/JSON shape) -> ingest bodies in the universal layout,
 * which then go through the same normalization as every other span. The
 * attributes are read per the table in otlp-attributes.ts (the reference's
 * SDK, Traceloop/OpenLLMetry and the GenAI conventions); every attribute is
 * also kept on the span as `span_attributes`.
 */
import { BadRequestError, type FieldErrors } from '../../errors.ts';
import { isObj, type Obj, typeName } from './fields.ts';
import { mapAttributes } from './otlp-attributes.ts';
import { checkOtlpAttributes, checkOtlpSpan } from './otlp-check.ts';
import { asArray } from './otlp-decode.ts';

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

/** Nanoseconds (checked by otlp-check.ts: digits, or a safe integer) -> ISO string; precision beyond ms is dropped. */
function nanosToIso(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '' || v === '0' || v === 0) return undefined;
  return new Date(Number(BigInt(v as string | number) / 1_000_000n)).toISOString();
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * `customer_params` needs its customer's identifier: it comes from the span's
 * own identifier when only email or name was set, and is dropped when there is none.
 */
function completeCustomerParams(body: Obj): void {
  const params = body.customer_params;
  if (!isObj(params) || params.customer_identifier !== undefined) return;
  if (typeof body.customer_identifier === 'string') params.customer_identifier = body.customer_identifier;
  else delete body.customer_params;
}

/** One OTLP span -> an ingest body (universal layout); its attributes per the table in otlp-attributes.ts. */
export function otlpSpanToBody(span: Obj, resource: Obj, scope: Obj): Obj {
  const attrs = attributes(span.attributes);
  const mapped = mapAttributes(attrs);
  completeCustomerParams(mapped);
  const status = isObj(span.status) ? span.status : {};
  const failed = Number(status.code ?? 0) === 2;
  const exception = asArray(span.events)
    .filter(isObj)
    .map((e) => attributes(e.attributes))
    .find((a) => typeof a['exception.message'] === 'string');
  const parent = str(span.parentSpanId);
  const body: Obj = {
    ...mapped,
    log_type: mapped.log_type ?? (mapped.model !== undefined ? 'chat' : 'custom'),
    trace_unique_id: str(span.traceId),
    span_unique_id: str(span.spanId),
    span_parent_id: parent && !/^0+$/.test(parent) ? parent : undefined,
    span_name: str(span.name),
    start_time: nanosToIso(span.startTimeUnixNano),
    timestamp: nanosToIso(span.endTimeUnixNano),
    status: failed ? 'error' : 'success',
    status_code: failed ? 500 : 200,
    error_message: failed ? (str(status.message) ?? str(exception?.['exception.message']) ?? 'error') : undefined,
    span_attributes: attrs,
    span_kind: span.kind,
    resource_attributes: resource,
    instrumentation_scope: Object.keys(scope).length ? scope : undefined,
  };
  // The request's model is kept only when the answer named another one.
  if (body.request_model === body.model) delete body.request_model;
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

/** A span of the request, by its position among all the request's spans. */
export interface OtlpItem {
  index: number;
  body: Obj;
}

export interface OtlpMapped {
  bodies: OtlpItem[];
  /** Spans rejected for a bad field, by position; the fields are named by their path in the request. */
  errors: { index: number; errors: FieldErrors }[];
}

/** A list of the envelope (resourceSpans, scopeSpans, spans): absent is empty, anything but an array of objects a 400. */
function listOf(v: unknown, field: string): Obj[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new BadRequestError(`${field}: expected an array, got ${typeName(v)}`, field);
  v.forEach((item, i) => {
    if (!isObj(item)) throw new BadRequestError(`${field}.${i}: expected an object, got ${typeName(item)}`, `${field}.${i}`);
  });
  return v as Obj[];
}

/** Every span of an export request, as an ingest body or the errors that rejected it. */
export function otlpToBodies(request: Obj): OtlpMapped {
  const out: OtlpMapped = { bodies: [], errors: [] };
  let index = 0;
  listOf(request.resourceSpans, 'resourceSpans').forEach((rs, r) => {
    const at = `resourceSpans.${r}`;
    const resourceErrors = checkOtlpAttributes(isObj(rs.resource) ? rs.resource.attributes : undefined, `${at}.resource.attributes`);
    const resource = resourceErrors ? {} : attributes(isObj(rs.resource) ? rs.resource.attributes : undefined);
    const scopeKey = rs.scopeSpans !== undefined ? 'scopeSpans' : 'instrumentationLibrarySpans';
    listOf(rs[scopeKey], `${at}.${scopeKey}`).forEach((ss, s) => {
      const sc = isObj(ss.scope) ? ss.scope : isObj(ss.instrumentationLibrary) ? ss.instrumentationLibrary : {};
      const scope: Obj = {};
      if (typeof sc.name === 'string') scope.name = sc.name;
      if (typeof sc.version === 'string' && sc.version) scope.version = sc.version;
      listOf(ss.spans, `${at}.${scopeKey}.${s}.spans`).forEach((span, i) => {
        const errors = resourceErrors ?? checkOtlpSpan(span, `${at}.${scopeKey}.${s}.spans.${i}`);
        if (errors) out.errors.push({ index, errors });
        else out.bodies.push({ index, body: otlpSpanToBody(span, resource, scope) });
        index++;
      });
    });
  });
  return out;
}
