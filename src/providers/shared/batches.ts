/**
 * Streams handed on in batches: a provider's chunks that one network read
 * brought pass through the proxy's stream layers together (sse.ts). These turn
 * a batched stream into a stream of items and back.
 */
import type { ChatChunk, ChatRequest } from '../../schemas/openai.ts';
import type { CallContext, ProviderAdapter, StreamedChunk } from '../types.ts';

/** `each` of the items of each batch, one at a time. */
export async function* flatten<T, U>(batches: AsyncIterable<T[]>, each: (item: T) => U): AsyncGenerator<U, void, undefined> {
  for await (const batch of batches) {
    for (let i = 0; i < batch.length; i++) yield each(batch[i] as T);
  }
}

async function* oneByOne(chunks: AsyncIterable<ChatChunk>): AsyncGenerator<StreamedChunk[], void, undefined> {
  for await (const chunk of chunks) yield [{ chunk }];
}

/** An adapter's chat stream in batches: its own where it reads them, else a chunk per batch. */
export function chatBatches(adapter: ProviderAdapter, req: ChatRequest, ctx: CallContext): AsyncIterable<StreamedChunk[]> {
  return adapter.streamBatches?.(req, ctx) ?? oneByOne(adapter.stream(req, ctx));
}
