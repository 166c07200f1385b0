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
import type { UpstreamLimits } from './shared/body.ts';

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
  /**
   * The api_base came from the caller: redirects are not followed and the
   * upstream's own words (error bodies, bad JSON) are never passed on, only
   * its status. Absent means false.
   */
  callerBase?: boolean;
  /** Body size and stream idle limits; absent means the config defaults. */
  limits?: UpstreamLimits;
  /** Aborts the upstream call: client disconnect or timeout. */
  signal: AbortSignal;
  fetch: typeof fetch;
  /** Client headers a native call passes on as they came (Anthropic's `anthropic-version`, `anthropic-beta`). */
  headers?: Record<string, string>;
}

/** The client-facing wire shapes besides chat completions that a provider may speak itself. */
export type NativeShape = 'responses' | 'messages';

/**
 * A provider's own endpoint for one of those shapes: the request goes as the
 * client wrote it (model replaced), the answer comes back as the provider
 * sent it. Translation and validation of the shape live in
 * src/providers/translate/, not here.
 */
export interface NativeEndpoint {
  complete(body: Record<string, unknown>, ctx: CallContext): Promise<unknown>;
  /**
   * The stream's events as parsed JSON. An error event (before or after the
   * first event) is thrown as an UpstreamError, like chat streams.
   */
  stream(body: Record<string, unknown>, ctx: CallContext): AsyncIterable<unknown>;
}

/** A streamed chat chunk and, when it can be passed on unchanged, the JSON text the upstream sent for it. */
export interface StreamedChunk {
  chunk: ChatChunk;
  raw?: string;
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
  /**
   * The same stream, handed on as many chunks at a time as each network read
   * brought (never an empty batch), for adapters that read an SSE stream
   * themselves: a fast upstream's whole answer often arrives in one read.
   */
  streamBatches?(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamedChunk[]>;
  embed?(req: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse>;
  /** Shapes this provider serves natively; the others are translated from chat (src/providers/translate/). */
  readonly native?: Partial<Record<NativeShape, NativeEndpoint>>;
}
