/**
 * OTLP/HTTP trace export bodies -> plain objects in the OTLP/JSON shape (ids
 * as hex strings, 64-bit integers as strings). Protobuf is decoded with the
 * OpenTelemetry project's own generated message classes (shipped in
 * @opentelemetry/otlp-transformer up to 0.216), not hand-written parsing.
 */
import * as generated from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import { BadRequestError } from '../../errors.ts';
import { isObj, type Obj } from './fields.ts';

// protobufjs finds `long` through a hidden dynamic require that a compiled
// binary cannot follow (it then gets a module namespace, not the class), so
// 64-bit fields would break there. Handing it the class makes both the same.
protobuf.util.Long = Long;
protobuf.configure();

interface MessageType {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): unknown;
}

function dig(root: unknown, path: string[]): unknown {
  let at: unknown = root;
  for (const p of path) at = at !== null && (typeof at === 'object' || typeof at === 'function') ? (at as Obj)[p] : undefined;
  return at;
}

function exportRequestType(): MessageType {
  const t = dig(generated, ['opentelemetry', 'proto', 'collector', 'trace', 'v1', 'ExportTraceServiceRequest']);
  if (!t || typeof (t as MessageType).decode !== 'function') {
    throw new Error('OTLP protobuf definitions are missing from @opentelemetry/otlp-transformer');
  }
  return t as MessageType;
}

const ExportTraceServiceRequest = exportRequestType();

// The generated code resolves its types through protobufjs's shared
// `roots.default` at call time. Another copy of generated OTLP code loaded in
// the same process (e.g. a newer otlp-transformer used by an exporter) may
// replace `roots.default.opentelemetry` with a namespace lacking traces, so
// ours is put back before each use (synchronous, so no interleaving).
const ownNamespace = dig(generated, ['opentelemetry']);
function ensureOwnNamespace(): void {
  const shared = (protobuf.roots as unknown as Record<string, Obj | undefined>).default;
  if (shared && shared.opentelemetry !== ownNamespace) shared.opentelemetry = ownNamespace;
}

function base64ToHex(v: unknown): unknown {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : v;
}

/** Decodes a protobuf ExportTraceServiceRequest into the OTLP/JSON shape. */
export function decodeOtlpProtobuf(bytes: Uint8Array): Obj {
  ensureOwnNamespace();
  let msg: unknown;
  try {
    msg = ExportTraceServiceRequest.decode(bytes);
  } catch (err) {
    throw new BadRequestError(`Malformed OTLP protobuf body: ${err instanceof Error ? err.message : String(err)}`, 'body');
  }
  const obj = ExportTraceServiceRequest.toObject(msg, { longs: String, bytes: String, enums: Number, arrays: true });
  if (!isObj(obj)) throw new BadRequestError('Malformed OTLP protobuf body', 'body');
  for (const rs of asArray(obj.resourceSpans)) {
    for (const ss of asArray(isObj(rs) ? rs.scopeSpans : undefined)) {
      for (const span of asArray(isObj(ss) ? ss.spans : undefined)) {
        if (!isObj(span)) continue;
        span.traceId = base64ToHex(span.traceId);
        span.spanId = base64ToHex(span.spanId);
        span.parentSpanId = base64ToHex(span.parentSpanId);
        for (const link of asArray(span.links)) {
          if (isObj(link)) {
            link.traceId = base64ToHex(link.traceId);
            link.spanId = base64ToHex(link.spanId);
          }
        }
      }
    }
  }
  return obj;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
