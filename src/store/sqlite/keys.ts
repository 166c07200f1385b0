import { and, eq, sql } from 'drizzle-orm';
import type { ApiKeyPatch, ApiKeyRecord, KeyStore } from '../key-types.ts';
import type { SqliteDb } from './local.ts';
import { apiKeys } from './schema.ts';

export class SqliteKeyStore implements KeyStore {
  constructor(private readonly db: SqliteDb) {}

  async insert(key: ApiKeyRecord): Promise<void> {
    this.db.insert(apiKeys).values(key).run();
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).get() ?? null;
  }

  async list(orgId: string): Promise<ApiKeyRecord[]> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.org_id, orgId)).orderBy(apiKeys.created_at).all();
  }

  async get(orgId: string, id: string): Promise<ApiKeyRecord | null> {
    return (
      this.db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.org_id, orgId), eq(apiKeys.id, id)))
        .get() ?? null
    );
  }

  async update(orgId: string, id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | null> {
    if (Object.keys(patch).length > 0) {
      this.db
        .update(apiKeys)
        .set(patch)
        .where(and(eq(apiKeys.org_id, orgId), eq(apiKeys.id, id)))
        .run();
    }
    return this.get(orgId, id);
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const gone = this.db
      .delete(apiKeys)
      .where(and(eq(apiKeys.org_id, orgId), eq(apiKeys.id, id)))
      .returning({ id: apiKeys.id })
      .all();
    return gone.length > 0;
  }

  async recordUse(id: string, at: number): Promise<number> {
    const row = this.db
      .update(apiKeys)
      .set({ usage_count: sql`${apiKeys.usage_count} + 1`, last_used_at: at })
      .where(eq(apiKeys.id, id))
      .returning({ n: apiKeys.usage_count })
      .get();
    return row?.n ?? 0;
  }
}
