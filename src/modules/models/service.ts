/**
 * Custom models per organization. The proxy resolves names through the
 * organization's overlay, built once and kept in memory until a change
 * invalidates it: changes are published on the invalidation feed, so every
 * gateway sharing the backend rebuilds within about a second.
 */
import { BadRequestError, NotFoundError } from '../../errors.ts';
import type { CustomModel } from '../../pricing/model.ts';
import type { ModelOverlay, ModelRegistry } from '../../pricing/registry.ts';
import type { InvalidationFeed } from '../../store/state-types.ts';
import type { CustomModelPatch, CustomModelRecord, ModelStore } from '../../store/model-types.ts';

function toCustom(r: CustomModelRecord): CustomModel {
  return {
    model_name: r.model_name,
    base_model_name: r.base_model_name,
    provider_id: r.provider_id,
    input_cost: r.input_cost,
    output_cost: r.output_cost,
    cache_hit_input_cost: r.cache_hit_input_cost,
    cache_creation_input_cost: r.cache_creation_input_cost,
    max_context_window: r.max_context_window,
  };
}

export class ModelsService {
  private readonly overlays = new Map<string, Promise<ModelOverlay | undefined>>();

  constructor(
    private readonly store: ModelStore,
    private readonly registry: ModelRegistry,
    private readonly feed: InvalidationFeed,
    private readonly now: () => number,
  ) {
    feed.subscribe((c) => {
      if (c.topic === 'models') this.overlays.delete(c.orgId);
    });
  }

  /** The organization's overlay for routing; undefined when it has no custom models. */
  overlay(orgId: string): Promise<ModelOverlay | undefined> {
    let o = this.overlays.get(orgId);
    if (!o) {
      o = this.store.list(orgId).then((rows) => (rows.length ? this.registry.overlay(rows.map(toCustom)) : undefined));
      o.catch(() => this.overlays.delete(orgId));
      this.overlays.set(orgId, o);
    }
    return o;
  }

  list(orgId: string): Promise<CustomModelRecord[]> {
    return this.store.list(orgId);
  }

  async get(orgId: string, name: string): Promise<CustomModelRecord> {
    const r = await this.store.get(orgId, name);
    if (!r) throw new NotFoundError(`Model not found: ${name}`);
    return r;
  }

  async create(orgId: string, m: CustomModel): Promise<CustomModelRecord> {
    this.registry.overlay([m]); // throws 422 naming provider_id when it is unknown
    const at = this.now();
    const rec: CustomModelRecord = {
      org_id: orgId,
      model_name: m.model_name,
      base_model_name: m.base_model_name ?? null,
      provider_id: m.provider_id,
      input_cost: m.input_cost ?? null,
      output_cost: m.output_cost ?? null,
      cache_hit_input_cost: m.cache_hit_input_cost ?? null,
      cache_creation_input_cost: m.cache_creation_input_cost ?? null,
      max_context_window: m.max_context_window ?? null,
      created_at: at,
      updated_at: at,
    };
    if (!(await this.store.insert(rec))) {
      throw new BadRequestError(`A model named '${m.model_name}' already exists; PATCH it instead`, 'model_name');
    }
    await this.changed(orgId, m.model_name);
    return rec;
  }

  async update(orgId: string, name: string, patch: CustomModelPatch): Promise<CustomModelRecord> {
    const current = await this.get(orgId, name);
    this.registry.overlay([toCustom({ ...current, ...patch })]);
    const r = await this.store.update(orgId, name, { ...patch, updated_at: this.now() });
    if (!r) throw new NotFoundError(`Model not found: ${name}`);
    await this.changed(orgId, name);
    return r;
  }

  async delete(orgId: string, name: string): Promise<void> {
    if (!(await this.store.delete(orgId, name))) throw new NotFoundError(`Model not found: ${name}`);
    await this.changed(orgId, name);
  }

  private async changed(orgId: string, name: string): Promise<void> {
    this.overlays.delete(orgId);
    await this.feed.publish({ topic: 'models', orgId, id: name });
  }
}
