/**
 * Shallow guards for OpenAI-shaped upstream JSON. They check what the gateway
 * reads (the envelope and `choices`) and let deeper fields pass through as the
 * provider sent them: a full schema check per streamed chunk would cost more
 * than it protects, and OpenAI-compatible servers vary in optional details.
 */
import type { ChatChunk, ChatResponse, EmbeddingResponse } from '../../schemas/openai.ts';
import { isRecord } from '../shared/json.ts';

export function isChatResponse(v: unknown): v is ChatResponse {
  if (!isRecord(v) || !Array.isArray(v.choices)) return false;
  for (const c of v.choices) if (!isRecord(c) || !isRecord(c.message)) return false;
  return true;
}

export function isChatChunk(v: unknown): v is ChatChunk {
  return isRecord(v) && Array.isArray(v.choices);
}

export function isEmbeddingResponse(v: unknown): v is EmbeddingResponse {
  return isRecord(v) && Array.isArray(v.data);
}
