/**
 * Prompts and versions in SQLite. Every read and write is scoped by
 * organization through the prompt row. Multi-statement writes run in
 * IMMEDIATE transactions: the write lock is taken up front, so two processes
 * allocating a version number cannot both read the same `last_version`.
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import type { NewPromptVersion, PromptPatch, PromptRecord, PromptStore, PromptVersionPatch, PromptVersionRecord, VersionWrite } from '../prompt-types.ts';
import type { SqliteDb } from './local.ts';
import { patchToColumns, rowToVersion } from '../prompt-rows.ts';
import { prompts, promptVersions } from './schema-prompts.ts';

type Tx = Parameters<Parameters<SqliteDb['transaction']>[0]>[0];
type Reader = SqliteDb | Tx;

const IMMEDIATE = { behavior: 'immediate' } as const;

function findPrompt(db: Reader, orgId: string, promptId: string): PromptRecord | null {
  return (
    db
      .select()
      .from(prompts)
      .where(and(eq(prompts.org_id, orgId), eq(prompts.id, promptId)))
      .get() ?? null
  );
}

function findVersion(db: Reader, promptId: string, version: number | 'latest'): PromptVersionRecord | null {
  const q = db.select().from(promptVersions);
  const row =
    version === 'latest'
      ? q.where(eq(promptVersions.prompt_id, promptId)).orderBy(desc(promptVersions.version)).limit(1).get()
      : q.where(and(eq(promptVersions.prompt_id, promptId), eq(promptVersions.version, version))).get();
  return row ? rowToVersion(row) : null;
}

export class SqlitePromptStore implements PromptStore {
  constructor(private readonly db: SqliteDb) {}

  async create(prompt: PromptRecord): Promise<void> {
    this.db.insert(prompts).values(prompt).run();
  }

  async list(orgId: string): Promise<PromptRecord[]> {
    return this.db.select().from(prompts).where(eq(prompts.org_id, orgId)).orderBy(asc(prompts.created_at)).all();
  }

  async get(orgId: string, promptId: string): Promise<PromptRecord | null> {
    return findPrompt(this.db, orgId, promptId);
  }

  async update(orgId: string, promptId: string, patch: PromptPatch, at: number): Promise<PromptRecord | null> {
    this.db
      .update(prompts)
      .set({ ...patch, updated_at: at })
      .where(and(eq(prompts.org_id, orgId), eq(prompts.id, promptId)))
      .run();
    return findPrompt(this.db, orgId, promptId);
  }

  async delete(orgId: string, promptId: string): Promise<boolean> {
    // Versions go with it (ON DELETE CASCADE).
    const gone = this.db
      .delete(prompts)
      .where(and(eq(prompts.org_id, orgId), eq(prompts.id, promptId)))
      .returning({ id: prompts.id })
      .all();
    return gone.length > 0;
  }

  async addVersion(
    orgId: string,
    promptId: string,
    content: NewPromptVersion,
    at: number,
    deploy: boolean,
  ): Promise<PromptVersionRecord | null> {
    return this.db.transaction((tx) => {
      const prompt = findPrompt(tx, orgId, promptId);
      if (!prompt) return null;
      const version = prompt.last_version + 1;
      tx.insert(promptVersions)
        .values({
          prompt_id: promptId,
          version,
          ...patchToColumns(content),
          messages: JSON.stringify(content.messages),
          model: content.model,
          created_at: at,
          updated_at: at,
          deployed_at: deploy ? at : null,
        })
        .run();
      tx.update(prompts)
        .set({ last_version: version, updated_at: at, ...(deploy ? { live_version: version } : {}) })
        .where(eq(prompts.id, promptId))
        .run();
      return findVersion(tx, promptId, version);
    }, IMMEDIATE);
  }

  async listVersions(orgId: string, promptId: string): Promise<PromptVersionRecord[]> {
    if (!findPrompt(this.db, orgId, promptId)) return [];
    return this.db
      .select()
      .from(promptVersions)
      .where(eq(promptVersions.prompt_id, promptId))
      .orderBy(asc(promptVersions.version))
      .all()
      .map(rowToVersion);
  }

  async getVersion(orgId: string, promptId: string, version: number | 'latest'): Promise<PromptVersionRecord | null> {
    if (!findPrompt(this.db, orgId, promptId)) return null;
    return findVersion(this.db, promptId, version);
  }

  async updateVersion(
    orgId: string,
    promptId: string,
    version: number,
    patch: PromptVersionPatch,
    at: number,
  ): Promise<VersionWrite> {
    return this.db.transaction((tx): VersionWrite => {
      const current = findPrompt(tx, orgId, promptId) && findVersion(tx, promptId, version);
      if (!current) return { status: 'not_found' };
      if (current.deployed_at !== null) return { status: 'refused', version: current };
      tx.update(promptVersions)
        .set({ ...patchToColumns(patch), updated_at: at })
        .where(and(eq(promptVersions.prompt_id, promptId), eq(promptVersions.version, version)))
        .run();
      tx.update(prompts).set({ updated_at: at }).where(eq(prompts.id, promptId)).run();
      const updated = findVersion(tx, promptId, version);
      return updated ? { status: 'ok', version: updated } : { status: 'not_found' };
    }, IMMEDIATE);
  }

  async deploy(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite> {
    return this.db.transaction((tx): VersionWrite => {
      const current = findPrompt(tx, orgId, promptId) && findVersion(tx, promptId, version);
      if (!current) return { status: 'not_found' };
      if (current.deployed_at === null) {
        tx.update(promptVersions)
          .set({ deployed_at: at })
          .where(and(eq(promptVersions.prompt_id, promptId), eq(promptVersions.version, version)))
          .run();
      }
      tx.update(prompts).set({ live_version: version, updated_at: at }).where(eq(prompts.id, promptId)).run();
      const deployed = findVersion(tx, promptId, version);
      return deployed ? { status: 'ok', version: deployed } : { status: 'not_found' };
    }, IMMEDIATE);
  }

  async deleteVersion(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite> {
    return this.db.transaction((tx): VersionWrite => {
      const prompt = findPrompt(tx, orgId, promptId);
      const current = prompt && findVersion(tx, promptId, version);
      if (!prompt || !current) return { status: 'not_found' };
      if (prompt.live_version === version) return { status: 'refused', version: current };
      tx.delete(promptVersions)
        .where(and(eq(promptVersions.prompt_id, promptId), eq(promptVersions.version, version)))
        .run();
      tx.update(prompts).set({ updated_at: at }).where(eq(prompts.id, promptId)).run();
      return { status: 'ok', version: current };
    }, IMMEDIATE);
  }
}
