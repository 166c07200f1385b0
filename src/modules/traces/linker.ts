/**
 * Completes ingested spans' parents and workflow names (the rules are in
 * links.ts) around the span writer. The writer commits asynchronously (with a
 * file database, on a thread of its own), and a trace's spans may come in one
 * export or several, children first or parents first, so this works in two
 * steps:
 *
 * - `prepare`, before the write: links the spans of one request among
 *   themselves, so a trace exported whole is stored complete;
 * - `settle`, after the commit: links each trace the request touched as it is
 *   now stored, filling in what spans of earlier requests still lack (an
 *   orphan whose parent has just arrived, or its workflow name).
 *
 * The request committed last settles after every other request's commit, so
 * it sees the whole trace whatever the order of arrival; fills only ever
 * replace a null, so settles that overlap cannot undo each other.
 */
import type { SpanRecord, SpanStore } from '../../store/types.ts';
import { linkTrace } from './links.ts';

/** A batch's spans per trace (a trace belongs to one organization and environment). */
function byTrace(batch: readonly SpanRecord[]): SpanRecord[][] {
  const groups = new Map<string, SpanRecord[]>();
  for (const s of batch) {
    if (!s.trace_unique_id) continue;
    const key = `${s.org_id}\u0000${s.environment}\u0000${s.trace_unique_id}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()];
}

/**
 * Whether spans stored before could gain a parent or workflow name from
 * these, or these from them. Plain OpenTelemetry spans whose parents came
 * with them never need the store.
 */
function mayLinkStored(group: readonly SpanRecord[]): boolean {
  const ids = new Set(group.map((s) => s.span_unique_id));
  return group.some(
    (s) =>
      s.span_path !== null ||
      s.span_entity_name !== null ||
      s.span_workflow_name !== null ||
      (s.span_parent_id !== null && !ids.has(s.span_parent_id)),
  );
}

export class TraceLinker {
  constructor(private readonly spans: Pick<SpanStore, 'traceLinks' | 'fillLinks'>) {}

  /** Links the spans of one request among themselves, in place. */
  prepare(batch: readonly SpanRecord[]): void {
    for (const group of byTrace(batch)) {
      const byUniqueId = new Map(group.map((s) => [s.unique_id, s]));
      for (const fill of linkTrace(group)) {
        const s = byUniqueId.get(fill.unique_id);
        if (!s) continue;
        if (fill.span_parent_id) s.span_parent_id = fill.span_parent_id;
        if (fill.span_workflow_name) s.span_workflow_name = fill.span_workflow_name;
      }
    }
  }

  /** After the batch is committed: links each of its traces as stored. */
  async settle(batch: readonly SpanRecord[]): Promise<void> {
    for (const group of byTrace(batch)) {
      if (!mayLinkStored(group)) continue;
      const { org_id: orgId, environment, trace_unique_id: traceId } = group[0] as SpanRecord;
      const stored = await this.spans.traceLinks({ orgId, environments: [environment] }, traceId as string);
      await this.spans.fillLinks(orgId, linkTrace(stored));
    }
  }
}
