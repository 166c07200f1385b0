import { and, eq, sql } from 'drizzle-orm';
import type { ApiKeyPatch, ApiKeyRecord, KeyStore } from '../key-types.ts';
import type { PgDb } from './db.ts';
import { apiKeys } from './schema.ts';

export class PgKeyStore implements KeyStore {
  constructor(private readonly db: PgDb) {}

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.db.insert(apiKeys).values(key);
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    return (await this.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)))[0] ?? null;
  }

  async list(orgId: string): Promise<ApiKeyRecord[]> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.org_id, orgId)).orderBy(apiKeys.created_at, apiKeys.id);
  }

  async get(orgId: string, id: string): Promise<ApiKeyRecord | null> {
    return (await this.db.select().from(apiKeys).where(and(eq(apiKeys.org_id, orgId), eq(apiKeys.id, id))))[0] ?? null;
  }

  async update(orgId: string, id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | null> {
    if (Object.keys(patch).length === 0) return this.get(orgId, id);
    const [row] = await this.db
      .update(apiKeys)
      .set(patch)
      .where(and(eq(apiKeys.org_id, orgId), eq(apiKeys.id, id)))
      .returning();
    return row ?? null;
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const gone = await this.db
      .delete(apiKeys)
      .where(and(eq(apiKeys.org_id, orgId), eq(apiKeys.id, id)))
      .returning({ id: apiKeys.id });
    return gone.length > 0;
  }

  async recordUse(id: string, at: number): Promise<number> {
    const [row] = await this.db
      .update(apiKeys)
      .set({ usage_count: sql`${apiKeys.usage_count} + 1`, last_used_at: at })
      .where(eq(apiKeys.id, id))
      .returning({ n: apiKeys.usage_count });
    return row?.n ?? 0;
  }
}
