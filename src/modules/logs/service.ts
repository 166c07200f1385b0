/**
 * Logs (spans): ingest through the span writer, and reads/changes through the
 * store. No HTTP here: routes hand in the caller and narrowed parameters.
 */
import { ImmutableFieldError, NotFoundError, QueueFullError, ValidationError, type FieldErrors } from '../../errors.ts';
import { timeOrderedId } from '../../lib/ids.ts';
import { SPAN_CATALOG } from '../../query/catalogs.ts';
import { typeFilters, typeSort } from '../../query/filters.ts';
import type { ModelInfo } from '../../pricing/model.ts';
import type { ModelOverlay, ModelRegistry } from '../../pricing/registry.ts';
import type { Scope, SpanPatch, SpanRecord, Store, StoredSpan } from '../../store/types.ts';
import type { IngestWriter } from '../../store/writer.ts';
import { requireCustomerControl } from '../customers/control.ts';
import type { Principal } from '../../principal.ts';
import { TraceLinker } from '../traces/linker.ts';
import { isObj, typeName, type Obj } from './fields.ts';
import type { ListParams } from './list-params.ts';
import { type IngestContext, normalizeSpan, readBlock } from './normalize.ts';
import { type OtlpItem, otlpToBodies } from './otlp-map.ts';

export const MAX_BATCH = 5000;

export interface LogServiceDeps {
  store: Store;
  writer: IngestWriter;
  now: () => number;
  /** Prices spans that come without a cost. */
  models: ModelRegistry;
  /** An organization's custom models, which price its spans before the built-in names. */
  overlay: (orgId: string) => Promise<ModelOverlay | undefined>;
}

/** A model's prices, or null when nothing prices it (a known provider may not know the model). */
function priced(info: ModelInfo | null): ModelInfo | null {
  return info && (info.input_cost !== null || info.output_cost !== null) ? info : null;
}

export interface ItemError {
  index: number;
  errors: FieldErrors;
}

export interface IngestResult {
  spans: SpanRecord[];
  errors: ItemError[];
}

/** The only fields PATCH may change; anything else is the reference's 400. */
const MUTABLE = new Set(['metadata', 'custom_identifier']);
const BATCH_MUTABLE = new Set(['unique_id', 'metadata', 'custom_identifier', 'note', 'positive_feedback']);

export class LogService {
  private readonly linker: TraceLinker;

  constructor(private readonly deps: LogServiceDeps) {
    this.linker = new TraceLinker(deps.store.spans);
  }

  async context(p: Principal): Promise<IngestContext> {
    const overlay = await this.deps.overlay(p.orgId);
    return {
      orgId: p.orgId,
      environment: p.environment,
      apiKeyId: p.keyId,
      now: this.deps.now,
      // Time-ordered: the unique_id index then grows at its right edge.
      newId: () => timeOrderedId('log', this.deps.now()),
      prices: (model) => priced(this.deps.models.resolve(model, overlay)),
    };
  }

  /**
   * One span. With block (the default) it resolves once the span is committed
   * and its trace linked; without, the span's trace is linked when another of
   * its spans arrives with block.
   */
  async create(p: Principal, body: unknown): Promise<{ span: SpanRecord; blocked: boolean }> {
    const span = normalizeSpan(body, await this.context(p));
    requireCustomerControl(p, span.extra.customer_params, 'customer_params');
    const errors: FieldErrors = {};
    const block = isObj(body) ? readBlock(body, errors) : true;
    this.linker.prepare([span]);
    if (block) await this.write([span]);
    else {
      // Accepted-for-later promises a write: not while the database refuses them.
      this.deps.writer.assertWritable();
      if (!this.deps.writer.offer(span)) throw new QueueFullError();
    }
    return { span, blocked: block };
  }

  /** Many spans: bad items are reported by index, the good ones are committed together. */
  async ingestMany(p: Principal, items: unknown, field: string): Promise<IngestResult> {
    if (!Array.isArray(items)) throw ValidationError.field(field, `Expected an array, got ${typeName(items)}`);
    if (items.length > MAX_BATCH) {
      throw ValidationError.field(field, `Ensure this field has no more than ${MAX_BATCH} elements.`);
    }
    const ctx = await this.context(p);
    const spans: SpanRecord[] = [];
    const errors: ItemError[] = [];
    items.forEach((item, index) => {
      try {
        const span = normalizeSpan(item, ctx);
        // A ForbiddenError is not an item error: it refuses the whole call, nothing of it stored.
        requireCustomerControl(p, span.extra.customer_params, `${field}.${index}.customer_params`);
        spans.push(span);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        errors.push({ index, errors: err.errors });
      }
    });
    this.linker.prepare(spans);
    await this.write(spans);
    return { spans, errors };
  }

  /**
   * The spans of an OTLP export request: those with a bad field are rejected by
   * position (OTLP's partial success), the rest are committed together.
   */
  async ingestOtlp(p: Principal, request: Obj): Promise<IngestResult> {
    const mapped = otlpToBodies(request);
    const result = await this.ingestMany(p, mapped.bodies.map((b) => b.body), 'resourceSpans');
    const errors = [
      ...mapped.errors,
      ...result.errors.map((e) => ({ index: (mapped.bodies[e.index] as OtlpItem).index, errors: e.errors })),
    ].sort((a, b) => a.index - b.index);
    return { spans: result.spans, errors };
  }

  /** Commits the spans, then completes their traces with what was stored before (see TraceLinker). */
  private async write(spans: SpanRecord[]): Promise<void> {
    await this.deps.writer.write(spans);
    await this.linker.settle(spans);
  }

  list(scope: Scope, params: ListParams) {
    return this.deps.store.spans.list({
      scope,
      ...params,
      filters: typeFilters(SPAN_CATALOG, params.filters),
      sort: typeSort(SPAN_CATALOG, params.sort),
    });
  }

  summary(scope: Scope, params: ListParams) {
    return this.deps.store.spans.summary({ scope, from: params.from, to: params.to, filters: typeFilters(SPAN_CATALOG, params.filters) });
  }

  async get(orgId: string, uniqueId: string): Promise<StoredSpan> {
    const span = await this.deps.store.spans.get(orgId, uniqueId);
    if (!span) throw new NotFoundError('Log not found');
    return span;
  }

  async patch(orgId: string, uniqueId: string, body: unknown): Promise<StoredSpan> {
    if (!isObj(body)) throw ValidationError.field('body', 'Expected a JSON object');
    for (const k of Object.keys(body)) if (!MUTABLE.has(k)) throw new ImmutableFieldError(k);
    const updated = await this.deps.store.spans.update(orgId, uniqueId, readPatch(body, ''));
    if (!updated) throw new NotFoundError('Log not found');
    return updated;
  }

  async batchUpdate(orgId: string, body: unknown): Promise<{ updated: string[]; not_found: string[] }> {
    const logs = isObj(body) ? body.logs : undefined;
    if (!Array.isArray(logs)) throw ValidationError.field('logs', 'Expected an array of {"unique_id", ...}');
    if (logs.length > MAX_BATCH) throw ValidationError.field('logs', `At most ${MAX_BATCH} logs per call`);
    const patches = logs.map((item, i) => {
      if (!isObj(item) || typeof item.unique_id !== 'string') {
        throw ValidationError.field(`logs.${i}.unique_id`, 'Expected a string');
      }
      for (const k of Object.keys(item)) if (!BATCH_MUTABLE.has(k)) throw new ImmutableFieldError(k);
      return { id: item.unique_id, patch: readPatch(item, `logs.${i}.`) };
    });
    const updated: string[] = [];
    const notFound: string[] = [];
    for (const { id, patch } of patches) {
      ((await this.deps.store.spans.update(orgId, id, patch)) ? updated : notFound).push(id);
    }
    return { updated, not_found: notFound };
  }

  async delete(orgId: string, uniqueId: string): Promise<void> {
    if (!(await this.deps.store.spans.delete(orgId, uniqueId))) throw new NotFoundError('Log not found');
  }
}

function readPatch(body: Obj, prefix: string): SpanPatch {
  const patch: SpanPatch = {};
  if (body.metadata !== undefined) {
    if (!isObj(body.metadata)) throw ValidationError.field(`${prefix}metadata`, 'Expected an object');
    patch.metadata = body.metadata;
  }
  for (const k of ['custom_identifier', 'note'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string') throw ValidationError.field(`${prefix}${k}`, 'Expected a string or null');
    patch[k] = v;
  }
  const fb = body.positive_feedback;
  if (fb !== undefined) {
    if (fb !== null && typeof fb !== 'boolean') throw ValidationError.field(`${prefix}positive_feedback`, 'Expected a boolean');
    patch.positive_feedback = fb;
  }
  return patch;
}
