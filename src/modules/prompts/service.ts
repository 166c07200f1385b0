/**
 * Prompt management: prompts, their numbered versions, deploys. Every call is
 * scoped to one organization; a prompt of another organization is simply not
 * found. Decisions (docs/prompts.md):
 * - A version that has ever been deployed is frozen: its content cannot change
 *   (400), so spans that name it keep meaning what they said.
 * - The live version cannot be deleted (400): chat calls without
 *   `prompt.version` would start failing. Deploy another one first, or delete
 *   the whole prompt.
 * - `deploy: false` on the live version is refused likewise: once a prompt has
 *   been deployed it always has exactly one live version.
 */
import { randomBytes } from 'node:crypto';
import { BadRequestError, ImmutableVersionError, NotFoundError, ValidationError } from '../../errors.ts';
import type { NewPromptVersion, PromptPatch, PromptRecord, PromptStore, PromptVersionPatch, PromptVersionRecord } from '../../store/prompt-types.ts';
import type { VersionCreateBody, VersionPatchBody } from './model.ts';
import { parseTemplate } from './template.ts';

/** Prompt ids look like the reference's: 32 hexadecimal characters. */
export const newPromptId = () => randomBytes(16).toString('hex');

export function parseVersionNumber(raw: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw ValidationError.field('version', `must be a positive integer, got '${raw}'`);
  return Number(raw);
}

const promptMissing = (id: string) => new NotFoundError(`Prompt not found: ${id}`);
const versionMissing = (id: string, v: number) => new NotFoundError(`Version ${v} of prompt ${id} not found`);

function contentOf(body: VersionCreateBody): NewPromptVersion {
  return {
    messages: body.messages,
    variables: parseTemplate(body.messages),
    model: body.model,
    temperature: body.temperature ?? null,
    max_tokens: body.max_tokens ?? null,
    top_p: body.top_p ?? null,
    frequency_penalty: body.frequency_penalty ?? null,
    presence_penalty: body.presence_penalty ?? null,
    stop: body.stop ?? null,
    tools: body.tools ?? null,
    tool_choice: body.tool_choice ?? null,
    response_format: body.response_format ?? null,
    fallback_models: body.fallback_models ?? null,
    load_balance_models: body.load_balance_models ?? null,
  };
}

function patchOf(body: VersionPatchBody): PromptVersionPatch {
  const { deploy: _deploy, ...fields } = body;
  const patch: PromptVersionPatch = { ...fields };
  if (fields.messages !== undefined) patch.variables = parseTemplate(fields.messages);
  return patch;
}

export class PromptService {
  constructor(
    private readonly store: PromptStore,
    private readonly now: () => number,
    private readonly newId: () => string = newPromptId,
  ) {}

  async create(orgId: string, body: { name?: string; description?: string }): Promise<PromptRecord> {
    const at = this.now();
    const prompt: PromptRecord = {
      id: this.newId(),
      org_id: orgId,
      name: body.name ?? 'Untitled',
      description: body.description ?? '',
      created_at: at,
      updated_at: at,
      last_version: 0,
      live_version: null,
    };
    await this.store.create(prompt);
    return prompt;
  }

  list(orgId: string): Promise<PromptRecord[]> {
    return this.store.list(orgId);
  }

  async get(orgId: string, promptId: string): Promise<PromptRecord> {
    const p = await this.store.get(orgId, promptId);
    if (!p) throw promptMissing(promptId);
    return p;
  }

  /** For log ingest: the prompt's record when the id names one of the organization's prompts. */
  lookup(orgId: string, promptId: string): Promise<PromptRecord | null> {
    return this.store.get(orgId, promptId);
  }

  async update(orgId: string, promptId: string, patch: PromptPatch): Promise<PromptRecord> {
    const p = await this.store.update(orgId, promptId, patch, this.now());
    if (!p) throw promptMissing(promptId);
    return p;
  }

  async delete(orgId: string, promptId: string): Promise<void> {
    if (!(await this.store.delete(orgId, promptId))) throw promptMissing(promptId);
  }

  async createVersion(orgId: string, promptId: string, body: VersionCreateBody): Promise<PromptVersionRecord> {
    const v = await this.store.addVersion(orgId, promptId, contentOf(body), this.now(), body.deploy ?? false);
    if (!v) throw promptMissing(promptId);
    return v;
  }

  async listVersions(orgId: string, promptId: string): Promise<PromptVersionRecord[]> {
    await this.get(orgId, promptId);
    return this.store.listVersions(orgId, promptId);
  }

  async getVersion(orgId: string, promptId: string, version: number): Promise<PromptVersionRecord> {
    const v = await this.store.getVersion(orgId, promptId, version);
    if (!v) {
      await this.get(orgId, promptId);
      throw versionMissing(promptId, version);
    }
    return v;
  }

  /** Edits a draft's content and/or deploys it; content first, so one PATCH can edit and deploy. */
  async updateVersion(
    orgId: string,
    promptId: string,
    version: number,
    body: VersionPatchBody,
  ): Promise<PromptVersionRecord> {
    let current = await this.getVersion(orgId, promptId, version);
    const patch = patchOf(body);
    const fields = Object.keys(body).filter((k) => k !== 'deploy');
    if (fields.length > 0) {
      const w = await this.store.updateVersion(orgId, promptId, version, patch, this.now());
      if (w.status === 'not_found') throw versionMissing(promptId, version);
      if (w.status === 'refused') throw new ImmutableVersionError(promptId, version, fields);
      current = w.version;
    }
    if (body.deploy === true) {
      const w = await this.store.deploy(orgId, promptId, version, this.now());
      if (w.status !== 'ok') throw versionMissing(promptId, version);
      current = w.version;
    } else if (body.deploy === false) {
      const prompt = await this.get(orgId, promptId);
      if (prompt.live_version === version) {
        throw new BadRequestError(
          `Version ${version} is the live version of prompt ${promptId}; a prompt keeps one live version, so deploy another version to replace it`,
          'deploy',
        );
      }
    }
    return current;
  }

  async deleteVersion(orgId: string, promptId: string, version: number): Promise<void> {
    const w = await this.store.deleteVersion(orgId, promptId, version, this.now());
    if (w.status === 'ok') return;
    if (w.status === 'refused') {
      throw new BadRequestError(
        `Version ${version} is the live version of prompt ${promptId} and cannot be deleted; deploy another version first, or delete the prompt`,
      );
    }
    await this.get(orgId, promptId);
    throw versionMissing(promptId, version);
  }
}
