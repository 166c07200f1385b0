/**
 * Prompts and versions in PostgreSQL. Every read and write is scoped by
 * organization through the prompt row; writes that read first lock that row
 * (`FOR UPDATE`), so two gateways allocating a version number take turns.
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import { patchToColumns, rowToVersion } from '../prompt-rows.ts';
import type { NewPromptVersion, PromptPatch, PromptRecord, PromptStore, PromptVersionPatch, PromptVersionRecord, VersionWrite } from '../prompt-types.ts';
import type { PgDb, PgTx } from './db.ts';
import { prompts, promptVersions } from './schema.ts';

type Reader = PgDb | PgTx;

async function findPrompt(db: Reader, orgId: string, promptId: string, lock = false): Promise<PromptRecord | null> {
  const q = db.select().from(prompts).where(and(eq(prompts.org_id, orgId), eq(prompts.id, promptId)));
  return (await (lock ? q.for('update') : q))[0] ?? null;
}

async function findVersion(db: Reader, promptId: string, version: number | 'latest'): Promise<PromptVersionRecord | null> {
  const q = db.select().from(promptVersions);
  const rows =
    version === 'latest'
      ? await q.where(eq(promptVersions.prompt_id, promptId)).orderBy(desc(promptVersions.version)).limit(1)
      : await q.where(and(eq(promptVersions.prompt_id, promptId), eq(promptVersions.version, version)));
  return rows[0] ? rowToVersion(rows[0]) : null;
}

const versionIs = (promptId: string, version: number) => and(eq(promptVersions.prompt_id, promptId), eq(promptVersions.version, version));

export class PgPromptStore implements PromptStore {
  constructor(private readonly db: PgDb) {}

  async create(prompt: PromptRecord): Promise<void> {
    await this.db.insert(prompts).values(prompt);
  }

  async list(orgId: string): Promise<PromptRecord[]> {
    return this.db.select().from(prompts).where(eq(prompts.org_id, orgId)).orderBy(asc(prompts.created_at), asc(prompts.id));
  }

  async get(orgId: string, promptId: string): Promise<PromptRecord | null> {
    return findPrompt(this.db, orgId, promptId);
  }

  async update(orgId: string, promptId: string, patch: PromptPatch, at: number): Promise<PromptRecord | null> {
    const [row] = await this.db
      .update(prompts)
      .set({ ...patch, updated_at: at })
      .where(and(eq(prompts.org_id, orgId), eq(prompts.id, promptId)))
      .returning();
    return row ?? null;
  }

  async delete(orgId: string, promptId: string): Promise<boolean> {
    // Versions go with it (ON DELETE CASCADE).
    const gone = await this.db
      .delete(prompts)
      .where(and(eq(prompts.org_id, orgId), eq(prompts.id, promptId)))
      .returning({ id: prompts.id });
    return gone.length > 0;
  }

  async addVersion(orgId: string, promptId: string, content: NewPromptVersion, at: number, deploy: boolean): Promise<PromptVersionRecord | null> {
    return this.db.transaction(async (tx) => {
      const prompt = await findPrompt(tx, orgId, promptId, true);
      if (!prompt) return null;
      const version = prompt.last_version + 1;
      await tx.insert(promptVersions).values({
        prompt_id: promptId,
        version,
        ...patchToColumns(content),
        messages: JSON.stringify(content.messages),
        model: content.model,
        created_at: at,
        updated_at: at,
        deployed_at: deploy ? at : null,
      });
      await tx
        .update(prompts)
        .set({ last_version: version, updated_at: at, ...(deploy ? { live_version: version } : {}) })
        .where(eq(prompts.id, promptId));
      return findVersion(tx, promptId, version);
    });
  }

  async listVersions(orgId: string, promptId: string): Promise<PromptVersionRecord[]> {
    if (!(await findPrompt(this.db, orgId, promptId))) return [];
    const rows = await this.db.select().from(promptVersions).where(eq(promptVersions.prompt_id, promptId)).orderBy(asc(promptVersions.version));
    return rows.map(rowToVersion);
  }

  async getVersion(orgId: string, promptId: string, version: number | 'latest'): Promise<PromptVersionRecord | null> {
    if (!(await findPrompt(this.db, orgId, promptId))) return null;
    return findVersion(this.db, promptId, version);
  }

  async updateVersion(orgId: string, promptId: string, version: number, patch: PromptVersionPatch, at: number): Promise<VersionWrite> {
    return this.db.transaction(async (tx): Promise<VersionWrite> => {
      const current = (await findPrompt(tx, orgId, promptId, true)) && (await findVersion(tx, promptId, version));
      if (!current) return { status: 'not_found' };
      if (current.deployed_at !== null) return { status: 'refused', version: current };
      await tx.update(promptVersions).set({ ...patchToColumns(patch), updated_at: at }).where(versionIs(promptId, version));
      await tx.update(prompts).set({ updated_at: at }).where(eq(prompts.id, promptId));
      const updated = await findVersion(tx, promptId, version);
      return updated ? { status: 'ok', version: updated } : { status: 'not_found' };
    });
  }

  async deploy(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite> {
    return this.db.transaction(async (tx): Promise<VersionWrite> => {
      const current = (await findPrompt(tx, orgId, promptId, true)) && (await findVersion(tx, promptId, version));
      if (!current) return { status: 'not_found' };
      if (current.deployed_at === null) {
        await tx.update(promptVersions).set({ deployed_at: at }).where(versionIs(promptId, version));
      }
      await tx.update(prompts).set({ live_version: version, updated_at: at }).where(eq(prompts.id, promptId));
      const deployed = await findVersion(tx, promptId, version);
      return deployed ? { status: 'ok', version: deployed } : { status: 'not_found' };
    });
  }

  async deleteVersion(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite> {
    return this.db.transaction(async (tx): Promise<VersionWrite> => {
      const prompt = await findPrompt(tx, orgId, promptId, true);
      const current = prompt && (await findVersion(tx, promptId, version));
      if (!prompt || !current) return { status: 'not_found' };
      if (prompt.live_version === version) return { status: 'refused', version: current };
      await tx.delete(promptVersions).where(versionIs(promptId, version));
      await tx.update(prompts).set({ updated_at: at }).where(eq(prompts.id, promptId));
      return { status: 'ok', version: current };
    });
  }
}
