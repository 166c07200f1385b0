/**
 * Which span is a span's parent, and which workflow it belongs to, when its
 * exporter did not say. Pure: it sees a trace's spans and answers what to
 * fill in; the linker (linker.ts) reads and writes them.
 *
 * The reference's tracing SDK removes the parent of every workflow, task,
 * agent and tool span on purpose and sends Traceloop's entity attributes
 * instead: `span_entity_name` (`traceloop.entity.name`) is the span's own
 * name and `span_path` (`traceloop.entity.path`) the dotted names of the
 * entities around it. A workflow or agent opens a path of its own (its path is
 * its own name); a task or tool inside it extends it (task `t` in workflow `w`
 * has path `w`; a call inside that task has path `w.t`).
 */
import type { SpanLink, SpanLinkFill } from '../../store/types.ts';

/** Kinds whose children's paths start afresh with the span's own name. */
const PATH_ROOTS: ReadonlySet<string> = new Set(['workflow', 'agent']);

/** The path this span's children carry, or null when it has no entity name. */
export function childPath(s: SpanLink): string | null {
  if (!s.span_entity_name) return null;
  if (PATH_ROOTS.has(s.log_type) || !s.span_path) return s.span_entity_name;
  return `${s.span_path}.${s.span_entity_name}`;
}

/** The workflow a span's own fields name: its workflow name, else the first segment of its path. */
function ownWorkflow(s: SpanLink): string | null {
  if (s.span_workflow_name) return s.span_workflow_name;
  return s.span_path ? s.span_path.split('.')[0] || null : null;
}

/**
 * Of several spans with the path a child names (a task run twice in one
 * workflow), the one running when the child started: the latest-starting
 * that encloses it, else the latest that started before it, else the first.
 */
function enclosing(child: SpanLink, candidates: SpanLink[]): SpanLink | null {
  let best: SpanLink | null = null;
  let bestRank = -1;
  for (const c of candidates) {
    const started = c.start_time <= child.start_time;
    const rank = started && c.timestamp >= child.start_time ? 2 : started ? 1 : 0;
    if (rank > bestRank || (rank === bestRank && rank > 0 && best !== null && c.start_time > best.start_time)) {
      best = c;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * The parent a span without one belongs under: a span of the same trace
 * whose children carry the span's path. Never the span itself (a workflow's
 * path is its own name).
 */
function entityParent(span: SpanLink, byChildPath: ReadonlyMap<string, SpanLink[]>): SpanLink | null {
  if (span.span_parent_id || !span.span_path) return null;
  const candidates = (byChildPath.get(span.span_path) ?? []).filter(
    (c) => c !== span && c.span_unique_id !== null && c.span_unique_id !== span.span_unique_id,
  );
  return enclosing(span, candidates);
}

/** Whether `span` is `of` or one of its ancestors (so `span` under `of` would close a loop). */
function isAncestorOrSelf(span: SpanLink, of: SpanLink, parents: ReadonlyMap<SpanLink, SpanLink>): boolean {
  const seen = new Set<SpanLink>();
  for (let at: SpanLink | undefined = of; at && !seen.has(at); at = parents.get(at)) {
    if (at === span) return true;
    seen.add(at);
  }
  return false;
}

/**
 * What to fill in for the spans of one trace: a parent for a span without
 * one whose path names another span, and a workflow name for a span without
 * one (the first segment of its path, else its nearest ancestor's). Only
 * fields that are null are filled.
 */
export function linkTrace(spans: readonly SpanLink[]): SpanLinkFill[] {
  const byId = new Map<string, SpanLink>();
  const byChildPath = new Map<string, SpanLink[]>();
  for (const s of spans) {
    if (s.span_unique_id) byId.set(s.span_unique_id, s);
    const path = childPath(s);
    if (!path) continue;
    const same = byChildPath.get(path);
    if (same) same.push(s);
    else byChildPath.set(path, [s]);
  }
  const parents = new Map<SpanLink, SpanLink>();
  for (const s of spans) {
    const p = s.span_parent_id ? byId.get(s.span_parent_id) : undefined;
    if (p && p !== s) parents.set(s, p);
  }
  const fills = new Map<SpanLink, SpanLinkFill>();
  const fillOf = (s: SpanLink): SpanLinkFill => {
    let f = fills.get(s);
    if (!f) fills.set(s, (f = { unique_id: s.unique_id }));
    return f;
  };
  for (const s of spans) {
    const p = entityParent(s, byChildPath);
    if (!p || isAncestorOrSelf(s, p, parents)) continue;
    parents.set(s, p);
    fillOf(s).span_parent_id = p.span_unique_id as string;
  }
  const workflows = new Map<SpanLink, string | null>();
  for (const s of spans) {
    if (s.span_workflow_name) continue;
    const workflow = workflowOf(s, parents, workflows);
    if (workflow) fillOf(s).span_workflow_name = workflow;
  }
  return [...fills.values()];
}

/** The workflow of a span: its own, else its nearest ancestor's; remembered for every span on the way up. */
function workflowOf(s: SpanLink, parents: ReadonlyMap<SpanLink, SpanLink>, known: Map<SpanLink, string | null>): string | null {
  const climbed = new Set<SpanLink>();
  let found: string | null = null;
  for (let at: SpanLink | undefined = s; at && !climbed.has(at); at = parents.get(at)) {
    const remembered = known.get(at);
    if (remembered !== undefined) {
      found = remembered;
      break;
    }
    climbed.add(at);
    found = ownWorkflow(at);
    if (found) break;
  }
  for (const c of climbed) known.set(c, found);
  return found;
}
