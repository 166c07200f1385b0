/**
 * OTLP spans (OTLP/JSON shape) -> ingest bodies in the universal layout,
 * which then go through the same normalization as every other span. The
 * attributes are read per the table in otlp-attributes.ts (the reference's
 * SDK, Traceloop/OpenLLMetry and the GenAI conventions); every attribute is
 * also kept on the span as `span_attributes`.
 */
import { isObj, type Obj } from './fields.ts';
import { mapAttributes } from './otlp-attributes.ts';
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

/** Nanoseconds (string or number) -> ISO string; precision beyond ms is dropped. */
function nanosToIso(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '' || v === '0' || v === 0) return undefined;
  const ms = typeof v === 'string' ? Number(BigInt(v) / 1_000_000n) : Number(v) / 1e6;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
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
