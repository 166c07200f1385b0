/** Custom models in PostgreSQL, always scoped by organization. */
import { and, asc, eq } from 'drizzle-orm';
import type { CustomModelPatch, CustomModelRecord, ModelStore } from '../model-types.ts';
import type { PgDb } from './db.ts';
import { customModels } from './schema.ts';

export class PgModelStore implements ModelStore {
  constructor(private readonly db: PgDb) {}

  private where(orgId: string, name: string) {
    return and(eq(customModels.org_id, orgId), eq(customModels.model_name, name));
  }

  async list(orgId: string): Promise<CustomModelRecord[]> {
    return this.db.select().from(customModels).where(eq(customModels.org_id, orgId)).orderBy(asc(customModels.created_at), asc(customModels.model_name));
  }

  async get(orgId: string, name: string): Promise<CustomModelRecord | null> {
    return (await this.db.select().from(customModels).where(this.where(orgId, name)))[0] ?? null;
  }

  async insert(rec: CustomModelRecord): Promise<boolean> {
    const r = await this.db.insert(customModels).values(rec).onConflictDoNothing().returning({ n: customModels.model_name });
    return r.length > 0;
  }

  async update(orgId: string, name: string, patch: CustomModelPatch): Promise<CustomModelRecord | null> {
    if (Object.keys(patch).length === 0) return this.get(orgId, name);
    return (await this.db.update(customModels).set(patch).where(this.where(orgId, name)).returning())[0] ?? null;
  }

  async delete(orgId: string, name: string): Promise<boolean> {
    const r = await this.db.delete(customModels).where(this.where(orgId, name)).returning({ n: customModels.model_name });
    return r.length > 0;
  }
}
