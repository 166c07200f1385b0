/**
 * What the proxy calls: loads the version a chat call's `prompt` parameter
 * names (live by default, a number, or "latest") from the caller's
 * organization, then resolves it with `resolvePromptRequest`.
 */
import { NotFoundError } from '../../errors.ts';
import type { ChatMessage } from '../../schemas/openai.ts';
import type { PromptParam } from '../../schemas/prompt.ts';
import type { PromptRecord, PromptStore, PromptVersionRecord } from '../../store/prompt-types.ts';
import { type ResolvedPrompt, resolvePromptRequest } from './resolve.ts';

export interface ResolvedPromptCall extends ResolvedPrompt {
  /** The prompt's name, for the span (`extra.prompt_name`). */
  prompt_name: string;
}

export class PromptResolver {
  constructor(private readonly store: PromptStore) {}

  /** The prompt and the version the parameter selects; 404 naming what is missing. */
  async load(
    orgId: string,
    param: Pick<PromptParam, 'prompt_id' | 'version'>,
  ): Promise<{ prompt: PromptRecord; version: PromptVersionRecord }> {
    const id = param.prompt_id;
    const prompt = await this.store.get(orgId, id);
    if (!prompt) throw new NotFoundError(`Prompt not found: ${id}`);
    const wanted = param.version ?? prompt.live_version;
    if (wanted === null) {
      throw new NotFoundError(
        `Prompt ${id} has no deployed version: deploy one (PATCH /api/prompts/${id}/versions/{version}/ with {"deploy": true}) or pass prompt.version`,
      );
    }
    const version = await this.store.getVersion(orgId, id, wanted);
    if (!version) {
      throw new NotFoundError(
        wanted === 'latest' ? `Prompt ${id} has no versions` : `Version ${wanted} of prompt ${id} not found`,
      );
    }
    return { prompt, version };
  }

  async resolve(
    orgId: string,
    param: PromptParam,
    requestMessages: readonly ChatMessage[] = [],
  ): Promise<ResolvedPromptCall> {
    const { prompt, version } = await this.load(orgId, param);
    return { ...resolvePromptRequest(version, param, requestMessages), prompt_name: prompt.name };
  }
}
