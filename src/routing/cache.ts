/**
 * The response cache: exact match on what changes the answer. The key is a
 * SHA-256 of a canonical JSON (object keys sorted) of the organization,
 * environment, routing target, the upstream request minus the fields that do
 * not change the answer (`stream`, `stream_options`, `user`, `metadata`), and the
 * customer when `cache_by_customer` is on. Entries are bounded by total bytes
 * (lru-cache's maxSize) and expire by their own TTL against an injected clock.
 * The cache is an interface of the shared state (src/store/state-types.ts);
 * this is the in-process one.
 */
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import type { ChatResponse, EmbeddingResponse } from '../schemas/openai.ts';
import type { ResponseCache } from '../store/state-types.ts';

/**
 * A completion is kept as chat (tokens, output, stream replay) and, for the
 * Responses and Messages APIs, as the body the client got.
 */
export type CachedBody =
  | { kind: 'chat' | 'responses' | 'messages'; chat: ChatResponse; body?: Record<string, unknown> }
  | { kind: 'embedding'; response: EmbeddingResponse };

export interface CacheEntry {
  body: CachedBody;
  /** The model and provider that produced it. */
  model: string;
  provider: string;
  /** Epoch ms. */
  storedAt: number;
}

/** Body fields that do not change the answer (`metadata`: the Responses and Messages APIs' own). */
const IGNORED = new Set(['stream', 'stream_options', 'user', 'metadata']);

export interface CacheKeyInput {
  orgId: string;
  environment: string;
  /** Routing fields that pick the model: model, models, load_balance_group, loadbalance_models. */
  target: unknown;
  /** The upstream request body (gateway parameters already stripped). */
  body: Record<string, unknown>;
  /** Set only with cache_by_customer. */
  customer?: string | null;
}

export function cacheKey(input: CacheKeyInput): string {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.body)) if (!IGNORED.has(k) && k !== 'model') body[k] = v;
  const canonical = canonicalJson([input.orgId, input.environment, input.target, body, input.customer ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * JSON with object keys sorted at every level, so key order in the request does not matter.
 * Built with a stack of its own, not recursion: no nesting a client sends can overflow the engine's.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Work items: a value to write, or text to write as it is.
  const stack: ({ v: unknown } | string)[] = [{ v: value }];
  while (stack.length > 0) {
    const item = stack.pop() as { v: unknown } | string;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const v = item.v;
    if (v === null || typeof v !== 'object') {
      out.push(JSON.stringify(v) ?? 'null');
      continue;
    }
    const entries: [string | null, unknown][] = Array.isArray(v)
      ? v.map((x) => [null, x])
      : Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, (v as Record<string, unknown>)[k]]);
    stack.push(Array.isArray(v) ? ']' : '}');
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i] as [string | null, unknown];
      stack.push({ v: x });
      if (k !== null) stack.push(`${JSON.stringify(k)}:`);
      if (i > 0) stack.push(',');
    }
    out.push(Array.isArray(v) ? '[' : '{');
  }
  return out.join('');
}

interface Stored {
  entry: CacheEntry;
  expiresAt: number;
  size: number;
}

export interface MemoryCacheOptions {
  maxBytes: number;
  now: () => number;
}

/** In-process LRU bounded by the entries' serialized size. */
export class MemoryResponseCache implements ResponseCache {
  private readonly lru: LRUCache<string, Stored> | null;
  private readonly now: () => number;

  constructor(opts: MemoryCacheOptions) {
    this.now = opts.now;
    // maxSize 0 is not allowed by lru-cache; a zero budget means no cache.
    this.lru =
      opts.maxBytes > 0
        ? new LRUCache<string, Stored>({ maxSize: opts.maxBytes, sizeCalculation: (s) => s.size })
        : null;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const s = this.lru?.get(key);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.lru?.delete(key);
      return undefined;
    }
    return s.entry;
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    if (!this.lru) return;
    // UTF-16 length approximates bytes well enough for a memory bound; the key counts too.
    const size = key.length + JSON.stringify(entry.body).length + 64;
    // lru-cache refuses (and drops) entries larger than maxSize by itself.
    this.lru.set(key, { entry, expiresAt: this.now() + ttlMs, size });
  }

  /** Entries and their bytes, for health and metrics. */
  stats() {
    return { entries: this.lru?.size ?? 0, bytes: this.lru?.calculatedSize ?? 0 };
  }
}
