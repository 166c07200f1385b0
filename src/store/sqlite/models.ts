/** Custom models in SQLite, always scoped by organization. */
import { and, asc, eq } from 'drizzle-orm';
import type { CustomModelPatch, CustomModelRecord, ModelStore } from '../model-types.ts';
import type { SqliteDb } from './local.ts';
import { customModels } from './schema-models.ts';

export class SqliteModelStore implements ModelStore {
  constructor(private readonly db: SqliteDb) {}

  async list(orgId: string): Promise<CustomModelRecord[]> {
    return this.db.select().from(customModels).where(eq(customModels.org_id, orgId)).orderBy(asc(customModels.created_at)).all();
  }

  async get(orgId: string, name: string): Promise<CustomModelRecord | null> {
    return (
      this.db
        .select()
        .from(customModels)
        .where(and(eq(customModels.org_id, orgId), eq(customModels.model_name, name)))
        .get() ?? null
    );
  }

  /** False when the organization already has a model of that name. */
  async insert(rec: CustomModelRecord): Promise<boolean> {
    const r = this.db.insert(customModels).values(rec).onConflictDoNothing().returning({ n: customModels.model_name }).all();
    return r.length > 0;
  }

  async update(orgId: string, name: string, patch: CustomModelPatch): Promise<CustomModelRecord | null> {
    return (
      this.db
        .update(customModels)
        .set(patch)
        .where(and(eq(customModels.org_id, orgId), eq(customModels.model_name, name)))
        .returning()
        .get() ?? null
    );
  }

  async delete(orgId: string, name: string): Promise<boolean> {
    const r = this.db
      .delete(customModels)
      .where(and(eq(customModels.org_id, orgId), eq(customModels.model_name, name)))
      .returning({ n: customModels.model_name })
      .all();
    return r.length > 0;
  }
}
