/**
 * Azure OpenAI: the OpenAI protocol at
 * `{api_base}/openai/deployments/{deployment}/{endpoint}?api-version=...`
 * with an `api-key` header. The deployment is `credentials.deployment`, else
 * the model name (most people name deployments after the model).
 */
import type { CallContext, ProviderAdapter } from '../types.ts';
import { createOpenAICompatibleAdapter } from '../openai/compat.ts';
import { upstreamError } from '../shared/http.ts';

/** Latest GA data-plane inference version at the time of writing. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

export interface AzureAdapterOptions {
  id?: string;
  /** `https://{resource}.openai.azure.com` */
  api_base?: string;
  api_key?: string;
  api_version?: string;
  deployment?: string;
}

export function createAzureAdapter(options: AzureAdapterOptions = {}): ProviderAdapter {
  const id = options.id ?? 'azure';
  return createOpenAICompatibleAdapter({
    id,
    url: (endpoint, ctx: CallContext) => {
      const base = ctx.credentials.api_base ?? options.api_base;
      if (!base) {
        // A config gap, not an outage: 400 so routing falls back instead of retrying.
        throw upstreamError({ provider: id, ctx }, 400, 'azure: api_base is not configured', {
          code: 'provider_misconfigured',
        });
      }
      const deployment = ctx.credentials.deployment ?? options.deployment ?? ctx.model;
      const version = ctx.credentials.api_version ?? options.api_version ?? AZURE_DEFAULT_API_VERSION;
      const root = base.replace(/\/+$/, '');
      return `${root}/openai/deployments/${encodeURIComponent(deployment)}/${endpoint}?api-version=${encodeURIComponent(version)}`;
    },
    headers: (ctx): Record<string, string> => {
      const key = ctx.credentials.api_key ?? options.api_key;
      return key ? { 'api-key': key } : {};
    },
  });
}
