/**
 * The provider adapter interface. An adapter turns an OpenAI-shaped request
 * into its provider's wire format, calls it, and turns the answer back. It
 * never sees the HTTP framework, the store or routing decisions, and it throws
 * only `UpstreamError`.
 */
import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../schemas/openai.ts';

/** Credentials for one call, already resolved by routing (most specific wins). */
export interface ProviderCredentials {
  api_key?: string;
  api_base?: string;
  api_version?: string;
  /** Azure: deployment name overriding the model name. */
  deployment?: string;
}

export interface CallContext {
  /** The model name the provider knows (without any `provider/` prefix). */
  model: string;
  credentials: ProviderCredentials;
  /** Whether the credentials came from the caller rather than gateway config. */
  callerCredentials: boolean;
  /** Aborts the upstream call: client disconnect or timeout. */
  signal: AbortSignal;
  fetch: typeof fetch;
}

export interface ProviderAdapter {
  /** Provider id as used in `provider/model` names and `exclude_providers`. */
  readonly id: string;
  complete(req: ChatRequest, ctx: CallContext): Promise<ChatResponse>;
  /**
   * Streams OpenAI chunks. Errors before the first chunk are thrown from the
   * first `next()`, so routing can still retry or fall back. The final chunk
   * carries `usage` whenever the provider reports it.
   */
  stream(req: ChatRequest, ctx: CallContext): AsyncIterable<ChatChunk>;
  embed?(req: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse>;
}
