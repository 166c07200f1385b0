/**
 * A span is stored whatever its request carried: its JSON values (metadata,
 * the fields of `extra`) keep MAX_STORED_DEPTH levels, deeper parts are
 * replaced by the cut marker (src/lib/json-depth.ts), and
 * `extra.truncated_fields` names what was cut (docs/limits.md, "Input caps").
 * The proxy and ingest write `input` and `output` as text through
 * `spanJsonText`, which cuts the same way.
 */
import { approxJsonChars, capDepth, cutMarker, nestsDeeperThan } from '../lib/json-depth.ts';
import { MAX_STORED_DEPTH } from '../lib/input-caps.ts';
import type { SpanRecord } from './types.ts';

const MARKER = cutMarker(MAX_STORED_DEPTH);

/** JSON text of a span's input or output, cut at MAX_STORED_DEPTH: it cannot throw for depth. */
export function spanJsonText(v: unknown): string {
  // The walk that finds nothing deep allocates nothing; only a value to cut is copied.
  return JSON.stringify(nestsDeeperThan(v, MAX_STORED_DEPTH) ? capDepth(v, MAX_STORED_DEPTH).value : v);
}

/** The span with its JSON values cut to MAX_STORED_DEPTH (itself when nothing is that deep). */
export function boundSpan(span: SpanRecord): SpanRecord {
  // Every span passes here: nothing is allocated unless something is cut (nestsDeeperThan allocates nothing).
  let cutFields: string[] | null = null;
  if (span.input?.includes(MARKER)) (cutFields ??= []).push('input');
  if (span.output?.includes(MARKER)) (cutFields ??= []).push('output');
  let metadata = span.metadata;
  if (nestsDeeperThan(metadata, MAX_STORED_DEPTH)) {
    metadata = capDepth(metadata, MAX_STORED_DEPTH).value as SpanRecord['metadata'];
    (cutFields ??= []).push('metadata');
  }
  let extra = span.extra;
  for (const k in span.extra) {
    if (!Object.hasOwn(span.extra, k) || !nestsDeeperThan(span.extra[k], MAX_STORED_DEPTH)) continue;
    if (extra === span.extra) extra = { ...span.extra };
    extra[k] = capDepth(span.extra[k], MAX_STORED_DEPTH).value;
    (cutFields ??= []).push(`extra.${k}`);
  }
  if (cutFields === null) return span;
  return { ...span, metadata, extra: { ...extra, truncated_fields: cutFields } };
}

/** About how many characters the span holds, for the writer's memory bounds: its texts and JSON values. */
export function spanChars(span: SpanRecord): number {
  return 512 + (span.input?.length ?? 0) + (span.output?.length ?? 0) + approxJsonChars(span.metadata) + approxJsonChars(span.extra);
}
