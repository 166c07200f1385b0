/**
 * How a batch of spans crosses to the SQLite write thread without holding the
 * main thread's event loop.
 *
 * Small spans travel as one JSON array in UTF-8, encoded span by span
 * (yielding to the event loop every few milliseconds) and transferred, not
 * copied: for thousands of small objects a string crosses threads about three
 * times cheaper than a structured clone. Large spans (a long prompt) travel as
 * objects instead: a structured clone copies a long string at memory speed,
 * while JSON.stringify escapes it character by character (a 16 MB prompt:
 * hundreds of milliseconds in one call). A batch encoded whole, then copied
 * by postMessage, held the loop for over half a second.
 */
import type { SpanRecord } from '../types.ts';

/** Longest stretch of encoding between two turns of the event loop. */
const SLICE_MS = 4;
/**
 * A span whose input and output hold more text than this (characters) crosses
 * as an object. Its input and output stand for its size: a long prompt is also
 * in `extra.full_request`. (Walking each span's JSON values to size it cost 5%
 * of the main thread at saturation.)
 */
const LARGE_SPAN_CHARS = 64 * 1024;

const isLarge = (span: SpanRecord) => (span.input?.length ?? 0) + (span.output?.length ?? 0) > LARGE_SPAN_CHARS;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A batch as it crosses: `json` holds the small spans in order; `large` the others, each with its place in the batch. */
export interface EncodedBatch {
  json: Uint8Array;
  large: [number, SpanRecord][];
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A batch being encoded: the small spans' JSON so far, and the large spans with their places. */
class Encoding {
  private readonly parts: Uint8Array[] = [];
  private readonly large: [number, SpanRecord][] = [];

  add(span: SpanRecord, at: number): void {
    if (isLarge(span)) this.large.push([at, span]);
    else this.parts.push(encoder.encode(JSON.stringify(span)));
  }

  done(): EncodedBatch {
    return { json: asJsonArray(this.parts), large: this.large };
  }
}

export async function encodeBatch(spans: readonly SpanRecord[]): Promise<EncodedBatch> {
  const e = new Encoding();
  let sliceStart = performance.now();
  for (const [i, span] of spans.entries()) {
    e.add(span, i);
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  return e.done();
}

/** The same at once, for a batch sent again after its thread died (a rare path). */
export function encodeBatchNow(spans: readonly SpanRecord[]): EncodedBatch {
  const e = new Encoding();
  spans.forEach((span, i) => e.add(span, i));
  return e.done();
}

/** The batch, in its order, on the write thread's side. */
export function decodeBatch(batch: EncodedBatch): SpanRecord[] {
  const small = JSON.parse(decoder.decode(batch.json)) as SpanRecord[];
  if (batch.large.length === 0) return small;
  const out: SpanRecord[] = [];
  let next = 0;
  for (const [at, span] of batch.large) {
    while (out.length < at) out.push(small[next++] as SpanRecord);
    out.push(span);
  }
  while (next < small.length) out.push(small[next++] as SpanRecord);
  return out;
}

/** `[a,b,...]` from the encoded elements, in one buffer (transferable). */
function asJsonArray(parts: readonly Uint8Array[]): Uint8Array {
  let total = 2 + Math.max(0, parts.length - 1);
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  out[0] = 0x5b;
  let at = 1;
  for (const [i, bytes] of parts.entries()) {
    if (i > 0) out[at++] = 0x2c;
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  out[at] = 0x5d;
  return out;
}
