/**
 * The model registry: resolves a model name to its provider, upstream name,
 * context window and prices. Built once at start-up and passed in; there is
 * no module-level instance.
 *
 * Resolution order for a name:
 *   1. the organization's custom models (an overlay passed per lookup),
 *   2. config-file models,
 *   3. `provider/model` with a known provider id: that provider, the model
 *      part priced from its catalogue (unknown model: prices null),
 *      `mock/*` at MOCK_PRICES, local providers at 0,
 *   4. a bare name: the first provider in BARE_NAME_ORDER that prices it,
 *   5. otherwise not found (`resolve` -> null, `require` -> 404).
 * Steps 3-5 are cached in a bounded LRU keyed by the raw name (misses too),
 * so the hot path is one or two Map lookups.
 */
import { LRUCache } from 'lru-cache';
import { ModelNotFoundError, ValidationError } from '../errors.ts';
import { type CatalogModel, type PriceTable, loadCatalog } from './catalog.ts';
import {
  type CustomModel,
  type ModelInfo,
  type ModelPrices,
  NO_PRICES,
  type PublicModel,
  type PublicModelsResponse,
} from './model.ts';
import { BARE_NAME_ORDER, PROVIDERS, type ProviderDef, catalogIds } from './providers.ts';

/**
 * Prices of the built-in `mock` provider, USD per 1M tokens: small round
 * numbers so cost tests check real arithmetic. Cache reads are half the input
 * rate, cache writes 1.25x (Anthropic's ratios).
 */
export const MOCK_PRICES: Readonly<ModelPrices> = Object.freeze({
  input_cost: 1,
  output_cost: 2,
  cache_hit_input_cost: 0.5,
  cache_creation_input_cost: 1.25,
});
export const MOCK_CONTEXT_WINDOW = 128_000;

const LOCAL_PRICES: Readonly<ModelPrices> = Object.freeze({
  input_cost: 0,
  output_cost: 0,
  cache_hit_input_cost: 0,
  cache_creation_input_cost: 0,
});

export interface ModelRegistryOptions {
  /** Date at which dated price changes are evaluated; default: now. */
  now?: Date;
  /** Models from the config file; they shadow built-in names. */
  configModels?: readonly CustomModel[];
  /** Entries of the name-resolution LRU; default 10,000. */
  cacheSize?: number;
  /**
   * Provider ids declared in the config file beyond the built-in ones (e.g. a
   * self-hosted OpenAI-compatible server). Their models have no catalogue
   * prices: config or custom models give them, else they cost 0.
   */
  configProviders?: readonly string[];
}

/** One organization's custom models, prepared once (see `ModelRegistry.overlay`). */
export class ModelOverlay {
  constructor(readonly models: ReadonlyMap<string, ModelInfo>) {}
}

interface Found {
  def: ProviderDef;
  model: CatalogModel;
}

/** Stands for "not found" in the LRU, which cannot hold null. */
const MISS = Symbol('miss');
const DATED = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

export class ModelRegistry {
  private readonly providers: Map<string, ProviderDef>;
  private readonly tables: ReadonlyMap<string, PriceTable>;
  private readonly config: ReadonlyMap<string, ModelInfo>;
  private readonly cache: LRUCache<string, ModelInfo | typeof MISS>;
  private publicList: PublicModel[] | null = null;

  constructor(options: ModelRegistryOptions = {}) {
    this.providers = new Map(PROVIDERS);
    for (const id of options.configProviders ?? []) {
      if (!this.providers.has(id)) this.providers.set(id, { id, name: id, catalogs: [] });
    }
    this.tables = loadCatalog(catalogIds(), options.now ?? new Date());
    this.cache = new LRUCache({ max: options.cacheSize ?? 10_000 });
    this.config = this.overlay(options.configModels ?? [], 'config').models;
  }

  /** The model a name resolves to, or null when it cannot be routed. */
  resolve(name: string, overlay?: ModelOverlay): ModelInfo | null {
    const custom = overlay?.models.get(name) ?? this.config.get(name);
    if (custom) return custom;
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached === MISS ? null : cached;
    const info = this.resolveBuiltIn(name);
    this.cache.set(name, info ?? MISS);
    return info;
  }

  /** Like `resolve`, but an unknown name throws the 404 `ModelNotFoundError`. */
  require(name: string, overlay?: ModelOverlay): ModelInfo {
    const info = this.resolve(name, overlay);
    if (!info) throw new ModelNotFoundError(name);
    return info;
  }

  /**
   * Prepares custom models (an organization's, or the config file's) for
   * lookup. Prices left out come from the base model's built-in prices.
   * Throws ValidationError for an unknown provider id.
   */
  overlay(models: readonly CustomModel[], source: 'custom' | 'config' = 'custom'): ModelOverlay {
    const map = new Map<string, ModelInfo>();
    for (const m of models) {
      const def = this.providers.get(m.provider_id);
      if (!def) {
        throw ValidationError.field('provider_id', `Unknown provider '${m.provider_id}' for model '${m.model_name}'`);
      }
      const upstream = m.base_model_name ?? m.model_name;
      const base = this.priceModel(def, upstream);
      map.set(m.model_name, {
        model_name: m.model_name,
        provider_id: def.id,
        provider_name: def.name,
        upstream_model: upstream,
        max_context_window: m.max_context_window ?? base.max_context_window,
        input_cost: m.input_cost ?? base.input_cost,
        output_cost: m.output_cost ?? base.output_cost,
        cache_hit_input_cost: m.cache_hit_input_cost ?? base.cache_hit_input_cost,
        cache_creation_input_cost: m.cache_creation_input_cost ?? base.cache_creation_input_cost,
        price_source: source,
      });
    }
    return new ModelOverlay(map);
  }

  /** The body of `GET /api/models/public` (costs per 1M tokens). */
  publicModels(overlay?: ModelOverlay): PublicModelsResponse {
    this.publicList ??= this.buildPublicList();
    if (this.config.size === 0 && !overlay?.models.size) return { models: this.publicList };
    const byName = new Map(this.publicList.map((m) => [m.model_name, m]));
    for (const info of this.config.values()) byName.set(info.model_name, toPublic(info));
    for (const info of overlay?.models.values() ?? []) byName.set(info.model_name, toPublic(info));
    return { models: [...byName.values()] };
  }

  private resolveBuiltIn(name: string): ModelInfo | null {
    const slash = name.indexOf('/');
    if (slash > 0) {
      const def = this.providers.get(name.slice(0, slash).toLowerCase());
      const upstream = name.slice(slash + 1);
      if (def) return upstream.trim() ? { ...this.priceModel(def, upstream), model_name: name } : null;
    }
    const found = this.findBare(name);
    return found ? catalogInfo(name, name, found) : null;
  }

  /** A model of a known provider, priced from its catalogue when possible. */
  private priceModel(def: ProviderDef, upstream: string): ModelInfo {
    const base = {
      model_name: `${def.id}/${upstream}`,
      provider_id: def.id,
      provider_name: def.name,
      upstream_model: upstream,
    };
    if (def.id === 'mock') {
      return { ...base, ...MOCK_PRICES, max_context_window: MOCK_CONTEXT_WINDOW, price_source: 'mock' };
    }
    if (def.local) return { ...base, ...LOCAL_PRICES, max_context_window: null, price_source: 'local' };
    const model = this.findIn(def, upstream);
    if (model) return catalogInfo(base.model_name, upstream, { def, model });
    return { ...base, ...NO_PRICES, max_context_window: null, price_source: 'unknown' };
  }

  private findBare(name: string): Found | undefined {
    for (const id of BARE_NAME_ORDER) {
      const def = PROVIDERS.get(id);
      const model = def && this.findIn(def, name, true);
      if (def && model) return { def, model };
    }
    return undefined;
  }

  /**
   * Looks a model name up in a provider's catalogues, trying as the package
   * does the name with `-YYYYMMDD` written `-YYYY-MM-DD`, then (ours) with
   * `-latest` appended (Mistral lists `mistral-small-latest`, clients send
   * `mistral-small`) and, for `provider/model` names only, the provider's
   * name prefixes (so a bare name never lands on a host by its prefix).
   */
  private findIn(def: ProviderDef, name: string, bare = false): CatalogModel | undefined {
    const key = name.trim().toLowerCase();
    const dashed = key.replace(DATED, (all: string, dash: string, y: string, m: string, d: string) => {
      const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
      return date.getUTCDate() === Number(d) ? `${dash}${y}-${m}-${d}` : all;
    });
    const prefixed = bare ? [] : (def.namePrefixes ?? []).map((p) => p + key);
    const variants = [key, dashed, `${key}-latest`, ...prefixed];
    for (const v of variants) {
      for (const c of def.catalogs) {
        const model = this.tables.get(c)?.find(v);
        if (model) return model;
      }
    }
    return undefined;
  }

  /**
   * Every catalogue model of a hosted provider under the name that resolves
   * back to it: bare when bare resolution picks this provider, else
   * `provider/id`. Deprecated models and ids their own rule does not match
   * (data-only ids such as fine-tune prefixes) are left out.
   */
  private buildPublicList(): PublicModel[] {
    const out = new Map<string, PublicModel>();
    for (const def of PROVIDERS.values()) {
      const table = this.tables.get(def.catalogs[0] ?? '');
      if (!table) continue;
      for (const model of table.models) {
        if (model.deprecated || this.findIn(def, model.id) !== model) continue;
        const bare = hasProviderPrefix(model.id) ? undefined : this.findBare(model.id);
        const name = bare?.def === def && bare.model === model ? model.id : `${def.id}/${model.id}`;
        if (!out.has(name)) out.set(name, toPublic(catalogInfo(name, model.id, { def, model })));
      }
    }
    return [...out.values()];
  }
}

/** `openai/gpt-oss-120b` (a Groq id) would be read as provider `openai`. */
function hasProviderPrefix(name: string): boolean {
  const slash = name.indexOf('/');
  return slash > 0 && PROVIDERS.has(name.slice(0, slash).toLowerCase());
}

function catalogInfo(modelName: string, upstream: string, { def, model }: Found): ModelInfo {
  return {
    model_name: modelName,
    provider_id: def.id,
    provider_name: def.name,
    upstream_model: upstream,
    max_context_window: model.context_window,
    ...model.prices,
    price_source: 'catalog',
  };
}

function toPublic(info: ModelInfo): PublicModel {
  return {
    model_name: info.model_name,
    max_context_window: info.max_context_window,
    input_cost: info.input_cost,
    output_cost: info.output_cost,
    provider: { provider_name: info.provider_name, provider_id: info.provider_id },
  };
}
