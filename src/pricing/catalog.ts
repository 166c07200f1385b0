/**
 * Reads @pydantic/genai-prices' embedded provider data once and turns each
 * provider's model list into a `PriceTable`: exact names in a Map, the few
 * prefix/contains/regex rules in an ordered list. The package's own
 * `calcPrice` scans every model on every call and keeps its data in a module
 * singleton; we only read the data.
 *
 * The data is external: it is narrowed from `unknown` here, and a model whose
 * entry does not fit is skipped rather than trusted.
 */
import { findProvider } from '@pydantic/genai-prices';
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ModelPrices } from './model.ts';

export interface CatalogModel {
  id: string;
  prices: ModelPrices;
  context_window: number | null;
  deprecated: boolean;
}

type Predicate = (name: string) => boolean;

export class PriceTable {
  constructor(
    readonly id: string,
    readonly name: string,
    readonly models: readonly CatalogModel[],
    /** Lower-cased exact name -> index of the first model that lists it. */
    private readonly exact: ReadonlyMap<string, number>,
    /** Non-exact rules in model order. */
    private readonly patterns: readonly { index: number; test: Predicate }[],
  ) {}

  /**
   * The first model (in data order, as the package does) whose rule matches
   * `name`, which must already be lower-cased and trimmed. An exact hit only
   * loses to a pattern rule of an earlier model.
   */
  find(name: string): CatalogModel | undefined {
    const hit = this.exact.get(name);
    for (const p of this.patterns) {
      if (hit !== undefined && p.index >= hit) break;
      if (p.test(name)) return this.models[p.index];
    }
    return hit === undefined ? undefined : this.models[hit];
  }
}

const RawModel = T.Object({
  id: T.String(),
  match: T.Unknown(),
  prices: T.Unknown(),
  context_window: T.Optional(T.Number()),
  deprecated: T.Optional(T.Boolean()),
});
type RawModel = Static<typeof RawModel>;
const RawProvider = T.Object({ id: T.String(), name: T.String(), models: T.Array(T.Unknown()) });

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface CompiledMatch {
  test: Predicate;
  /** Names matched by `equals` reachable through `or` only. */
  exact: string[];
  /** True when some `or` branch is not a plain `equals`. */
  hasPattern: boolean;
}

/** Compiles genai-prices' MatchLogic; regexes are built once, here. */
function compileMatch(m: unknown): CompiledMatch | null {
  if (!isRecord(m)) return null;
  const str = (k: string): string | null => {
    const v = m[k];
    return typeof v === 'string' ? v.toLowerCase() : null;
  };
  const leaf = (test: Predicate): CompiledMatch => ({ test, exact: [], hasPattern: true });
  const eq = str('equals');
  if (eq !== null) return { test: (n) => n === eq, exact: [eq], hasPattern: false };
  const sw = str('starts_with');
  if (sw !== null) return leaf((n) => n.startsWith(sw));
  const ew = str('ends_with');
  if (ew !== null) return leaf((n) => n.endsWith(ew));
  const co = str('contains');
  if (co !== null) return leaf((n) => n.includes(co));
  if (typeof m.regex === 'string') {
    try {
      const re = new RegExp(m.regex);
      return leaf((n) => re.test(n));
    } catch {
      return null;
    }
  }
  const list = Array.isArray(m.or) ? m.or : Array.isArray(m.and) ? m.and : null;
  if (!list) return null;
  const parts = list.map(compileMatch);
  if (parts.some((p) => p === null)) return null;
  const ok = parts.filter((p): p is CompiledMatch => p !== null);
  if (Array.isArray(m.and)) return leaf((n) => ok.every((p) => p.test(n)));
  return {
    test: (n) => ok.some((p) => p.test(n)),
    exact: ok.flatMap((p) => p.exact),
    hasPattern: ok.some((p) => p.hasPattern),
  };
}

/**
 * A price value is a number or `{base, tiers}` (long-context tiers, e.g.
 * Gemini above 128k/200k prompt tokens). We use `base`: the tiers would need
 * the prompt size at price time, which the flat ModelInfo rates do not carry.
 */
function rate(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (isRecord(v)) return rate(v.base);
  return null;
}

function toPrices(p: Record<string, unknown>): ModelPrices {
  return {
    input_cost: rate(p.input_mtok),
    output_cost: rate(p.output_mtok),
    cache_hit_input_cost: rate(p.cache_read_mtok),
    cache_creation_input_cost: rate(p.cache_write_mtok),
  };
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/**
 * Prices may be a list of `{constraint?, prices}`. Start-date entries: the
 * latest one in force at `now` (the registry is built at start-up, so a price
 * change is picked up on restart). Time-of-day entries (DeepSeek's peak and
 * off-peak windows) are not applied per call: we take the highest of the
 * windowed and the standing rates, so budgets err on the safe side.
 */
function selectPrices(raw: unknown, now: Date): ModelPrices | null {
  if (isRecord(raw)) return toPrices(raw);
  if (!Array.isArray(raw)) return null;
  let standing: ModelPrices | null = null;
  const windows: ModelPrices[] = [];
  for (const entry of raw) {
    if (!isRecord(entry) || !isRecord(entry.prices)) continue;
    const c = entry.constraint;
    const prices = toPrices(entry.prices);
    if (c === undefined) standing ??= prices;
    else if (isRecord(c) && c.type === 'start_date' && typeof c.start_date === 'string') {
      if (now >= new Date(c.start_date)) standing = prices;
    } else if (isRecord(c) && c.type === 'time_of_date') windows.push(prices);
  }
  if (!standing) return null;
  return windows.reduce<ModelPrices>(
    (acc, w) => ({
      input_cost: maxOf(acc.input_cost, w.input_cost),
      output_cost: maxOf(acc.output_cost, w.output_cost),
      cache_hit_input_cost: maxOf(acc.cache_hit_input_cost, w.cache_hit_input_cost),
      cache_creation_input_cost: maxOf(acc.cache_creation_input_cost, w.cache_creation_input_cost),
    }),
    standing,
  );
}

function buildTable(raw: unknown, now: Date): PriceTable | null {
  if (!Value.Check(RawProvider, raw)) return null;
  const models: CatalogModel[] = [];
  const exact = new Map<string, number>();
  const patterns: { index: number; test: Predicate }[] = [];
  for (const m of raw.models) {
    if (!Value.Check(RawModel, m)) continue;
    const model: RawModel = m;
    const match = compileMatch(model.match);
    const prices = selectPrices(model.prices, now);
    if (!match || !prices) continue;
    const index = models.length;
    models.push({
      id: model.id,
      prices,
      context_window: model.context_window ?? null,
      deprecated: model.deprecated ?? false,
    });
    for (const name of match.exact) if (!exact.has(name)) exact.set(name, index);
    if (match.hasPattern) patterns.push({ index, test: match.test });
  }
  return new PriceTable(raw.id, raw.name, models, exact, patterns);
}

/** genai-prices provider id -> its table, for the ids asked for. */
export function loadCatalog(ids: readonly string[], now: Date): Map<string, PriceTable> {
  const tables = new Map<string, PriceTable>();
  for (const id of ids) {
    const raw: unknown = findProvider({ providerId: id });
    const table = buildTable(raw, now);
    if (table) tables.set(id, table);
  }
  return tables;
}
