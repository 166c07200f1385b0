/**
 * Gemini responses -> OpenAI (pure). A streamed Gemini event is itself a
 * partial GenerateContentResponse, so one `candidateDelta` serves both paths.
 *
 * Usage decision: Gemini's `candidatesTokenCount` excludes thinking tokens,
 * which are billed as output. completion_tokens = candidates + thoughts (so
 * cost from completion_tokens is right), with thoughts also reported as
 * `completion_tokens_details.reasoning_tokens`. prompt_tokens =
 * promptTokenCount (already includes cached tokens) + toolUsePromptTokenCount;
 * cachedContentTokenCount -> prompt_tokens_details.cached_tokens.
 */
import type { ChatChunk, ChatResponse, FinishReason, ToolCall, Usage } from '../../schemas/openai.ts';
import { arr, isRecord, num, rec, str, type JsonRecord } from '../shared/json.ts';

export function mapGeminiFinish(reason: unknown, hasToolCalls: boolean): FinishReason {
  if (reason === undefined || reason === null || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (hasToolCalls && reason === 'STOP') return 'tool_calls';
  switch (reason) {
    case 'STOP':
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export function mapGeminiUsage(meta: unknown): Usage {
  const m = rec(meta);
  const prompt = (num(m.promptTokenCount) ?? 0) + (num(m.toolUsePromptTokenCount) ?? 0);
  const thoughts = num(m.thoughtsTokenCount) ?? 0;
  const completion = (num(m.candidatesTokenCount) ?? 0) + thoughts;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cached = num(m.cachedContentTokenCount);
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  if (thoughts > 0) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

interface CandidateDelta {
  index: number;
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishRaw: unknown;
}

/** Reads one candidate; tool call ids use `idPrefix` plus a running number from `counter`. */
function candidateDelta(c: JsonRecord, fallbackIndex: number, idPrefix: string, counter: () => number): CandidateDelta {
  const out: CandidateDelta = { index: num(c.index) ?? fallbackIndex, text: '', reasoning: '', toolCalls: [], finishRaw: c.finishReason };
  for (const p of arr(rec(c.content).parts)) {
    if (!isRecord(p)) continue;
    const text = str(p.text);
    if (text !== undefined) {
      if (p.thought === true) out.reasoning += text;
      else out.text += text;
    } else if (isRecord(p.functionCall)) {
      const fc = p.functionCall;
      out.toolCalls.push({
        // Gemini ids are optional; we mint one the client can echo back as tool_call_id.
        id: str(fc.id) ?? `${idPrefix}${counter()}`,
        type: 'function',
        function: { name: str(fc.name) ?? '', arguments: JSON.stringify(fc.args ?? {}) },
      });
    }
  }
  return out;
}

function blockedByPrompt(body: JsonRecord): boolean {
  return arr(body.candidates).length === 0 && str(rec(body.promptFeedback).blockReason) !== undefined;
}

export function fromGeminiResponse(body: unknown, model: string, created: number): ChatResponse | undefined {
  if (!isRecord(body) || (!Array.isArray(body.candidates) && !isRecord(body.promptFeedback))) return undefined;
  const id = str(body.responseId) ?? `gemini-${created}`;
  let n = 0;
  const counter = () => n++;
  const choices: ChatResponse['choices'] = arr(body.candidates).map((raw, i) => {
    const d = candidateDelta(rec(raw), i, `call_${id}_`, counter);
    const message: ChatResponse['choices'][number]['message'] = {
      role: 'assistant',
      content: d.text === '' && d.toolCalls.length > 0 ? null : d.text,
    };
    if (d.toolCalls.length > 0) message.tool_calls = d.toolCalls;
    if (d.reasoning) message.reasoning_content = d.reasoning;
    return { index: d.index, message, finish_reason: mapGeminiFinish(d.finishRaw, d.toolCalls.length > 0) ?? 'stop' };
  });
  if (blockedByPrompt(body)) choices.push({ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' });
  return {
    id,
    object: 'chat.completion',
    created,
    model: str(body.modelVersion) ?? model,
    choices,
    usage: mapGeminiUsage(body.usageMetadata),
  };
}

export interface GeminiStreamState {
  id: string | undefined;
  model: string;
  created: number;
  started: boolean;
  toolCount: number;
  /** Next OpenAI tool call index (ids and indices count separately: Gemini may supply ids). */
  toolIndex: number;
  /** Candidates that produced a function call: their STOP means tool_calls. */
  calledTools: Set<number>;
  usage: unknown;
}

export function createGeminiStreamState(model: string, created: number): GeminiStreamState {
  return { id: undefined, model, created, started: false, toolCount: 0, toolIndex: 0, calledTools: new Set(), usage: undefined };
}

/** One streamed GenerateContentResponse -> one chunk (null when it carried nothing). */
export function fromGeminiEvent(state: GeminiStreamState, body: unknown): ChatChunk | null {
  if (!isRecord(body)) return null;
  state.id ??= str(body.responseId) ?? `gemini-${state.created}`;
  if (body.usageMetadata !== undefined) state.usage = body.usageMetadata; // cumulative: last wins
  const choices: ChatChunk['choices'] = [];
  const counter = () => state.toolCount++;
  arr(body.candidates).forEach((raw, i) => {
    const d = candidateDelta(rec(raw), i, `call_${state.id}_`, counter);
    const delta: ChatChunk['choices'][number]['delta'] = {};
    if (!state.started) delta.role = 'assistant';
    if (d.text) delta.content = d.text;
    if (d.reasoning) delta.reasoning_content = d.reasoning;
    if (d.toolCalls.length > 0) {
      state.calledTools.add(d.index);
      // Gemini sends each call whole, so a single delta carries id, name and arguments.
      delta.tool_calls = d.toolCalls.map((tc) => ({ index: state.toolIndex++, ...tc }));
    }
    const finish = mapGeminiFinish(d.finishRaw, state.calledTools.has(d.index));
    if (Object.keys(delta).length > 0 || finish !== null) choices.push({ index: d.index, delta, finish_reason: finish });
  });
  if (blockedByPrompt(body)) choices.push({ index: 0, delta: {}, finish_reason: 'content_filter' });
  if (choices.length === 0) return null;
  state.started = true;
  return { id: state.id, object: 'chat.completion.chunk', created: state.created, model: str(body.modelVersion) ?? state.model, choices };
}

/** The closing usage chunk (OpenAI include_usage convention), once the stream ends. */
export function finishGeminiStream(state: GeminiStreamState): ChatChunk | null {
  if (state.usage === undefined) return null;
  return {
    id: state.id ?? `gemini-${state.created}`,
    object: 'chat.completion.chunk',
    created: state.created,
    model: state.model,
    choices: [],
    usage: mapGeminiUsage(state.usage),
  };
}
