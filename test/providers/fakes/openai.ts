/** Fake OpenAI (and Azure OpenAI) speaking the real chat/completions and Responses wire formats. */
import { API_KEY, JSON_ANSWER, list, rec, RETRY_AFTER_SECONDS, scenarioOf, sse, startFake, TEXT_PIECES, TOOL_ANSWER, type FakeServer, type Recorded } from './common.ts';

const ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: "Invalid value for 'temperature'." },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.` },
  429: { type: 'tokens', code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM).' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

type Answer = { text: string } | { tool: string };

function answerFor(body: Record<string, unknown>): Answer {
  const msgs = list(body.messages);
  const last = rec(msgs[msgs.length - 1]);
  if (last.role === 'tool') return { text: TOOL_ANSWER };
  const tools = list(body.tools);
  if (tools.length > 0) return { tool: String(rec(rec(tools[0]).function).name) };
  if (rec(body.response_format).type !== undefined && rec(body.response_format).type !== 'text') return { text: JSON_ANSWER };
  return { text: TEXT_PIECES.join('') };
}

const USAGE = {
  prompt_tokens: 12,
  completion_tokens: 5,
  total_tokens: 17,
  prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

/** The Responses API's answer for a request: a tool result answers, tools call, JSON formats answer JSON. */
function responsesAnswerFor(body: Record<string, unknown>): Answer {
  const input = list(body.input);
  if (rec(input[input.length - 1]).type === 'function_call_output') return { text: TOOL_ANSWER };
  const tools = list(body.tools);
  if (tools.length > 0) return { tool: String(rec(tools[0]).name) };
  const format = rec(rec(body.text).format).type;
  if (format === 'json_schema' || format === 'json_object') return { text: JSON_ANSWER };
  return { text: TEXT_PIECES.join('') };
}

const RESPONSES_USAGE = {
  input_tokens: 12,
  input_tokens_details: { cached_tokens: 4 },
  output_tokens: 5,
  output_tokens_details: { reasoning_tokens: 2 },
  total_tokens: 17,
};

/** POST {base}/responses as OpenAI answers it: a Response object, or its typed event stream. */
function responses(body: Record<string, unknown>, model: string, sc: ReturnType<typeof scenarioOf>, fake: FakeServer): Response {
  const ans = responsesAnswerFor(body);
  const item =
    'tool' in ans
      ? { type: 'function_call', id: 'fc_fake1', call_id: 'call_abc', name: ans.tool, arguments: '{"city":"Paris"}', status: 'completed' }
      : { type: 'message', id: 'msg_fake1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: ans.text, annotations: [] }] };
  const response = (status: string, output: unknown[], usage: unknown) => ({
    id: 'resp_fake1',
    object: 'response',
    created_at: 1_700_000_000,
    status,
    model,
    output,
    usage,
    store: body.store ?? true,
    metadata: body.metadata ?? {},
  });
  if (body.stream !== true) return Response.json(response('completed', [item], RESPONSES_USAGE));
  let seq = 0;
  const ev = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;
  const frames = [ev('response.created', { response: response('in_progress', [], null) }), ev('response.in_progress', { response: response('in_progress', [], null) })];
  if ('tool' in ans) {
    frames.push(ev('response.output_item.added', { output_index: 0, item: { ...item, arguments: '', status: 'in_progress' } }));
    frames.push(ev('response.function_call_arguments.delta', { item_id: 'fc_fake1', output_index: 0, delta: '{"ci' }));
    frames.push(ev('response.function_call_arguments.delta', { item_id: 'fc_fake1', output_index: 0, delta: 'ty":"Paris"}' }));
    frames.push(ev('response.function_call_arguments.done', { item_id: 'fc_fake1', output_index: 0, arguments: '{"city":"Paris"}' }));
  } else {
    const at = { item_id: 'msg_fake1', output_index: 0, content_index: 0 };
    frames.push(ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }));
    frames.push(ev('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }));
    const pieces = ans.text === TEXT_PIECES.join('') ? TEXT_PIECES : [ans.text];
    for (const p of pieces) frames.push(ev('response.output_text.delta', { ...at, delta: p, logprobs: [] }));
    if (sc.kind === 'hang') return sse(fake, frames.slice(0, 5), true);
    frames.push(ev('response.output_text.done', { ...at, text: ans.text }));
    frames.push(ev('response.content_part.done', { ...at, part: { type: 'output_text', text: ans.text, annotations: [] } }));
  }
  frames.push(ev('response.output_item.done', { output_index: 0, item }));
  frames.push(ev('response.completed', { response: response('completed', [item], RESPONSES_USAGE) }));
  return sse(fake, frames);
}

/** `modelOf` reads the model: from the body for OpenAI, from the deployment path for Azure. */
export function startOpenAIFake(modelOf: (r: Recorded) => string = (r) => String(rec(r.body).model)): FakeServer {
  return startFake((r, fake) => {
    const body = rec(r.body);
    const model = modelOf(r);
    const sc = scenarioOf(model);
    if (sc.kind === 'error') {
      const e = ERRORS[sc.status] ?? { type: 'server_error', code: null, message: 'error' };
      const headers: Record<string, string> = { 'x-request-id': 'req_123' };
      if (sc.status === 429) headers['retry-after'] = String(RETRY_AFTER_SECONDS);
      return Response.json({ error: { ...e, param: null } }, { status: sc.status, headers });
    }
    if (r.path.endsWith('/responses')) return responses(body, model, sc, fake);
    const ans = answerFor(body);
    const base = { id: 'chatcmpl-fake1', created: 1_700_000_000, model, system_fingerprint: 'fp_fake' };
    if (body.stream !== true) {
      const message =
        'tool' in ans
          ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: ans.tool, arguments: '{"city":"Paris"}' } }] }
          : { role: 'assistant', content: ans.text, refusal: null };
      return Response.json({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs: null, finish_reason: 'tool' in ans ? 'tool_calls' : 'stop' }],
        usage: USAGE,
      });
    }
    const withUsage = rec(body.stream_options).include_usage === true;
    const chunk = (delta: unknown, finish: string | null) =>
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) })}\n\n`;
    const frames: string[] = [];
    if ('tool' in ans) {
      frames.push(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: ans.tool, arguments: '' } }], refusal: null }, null));
      frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, null));
      frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }, null));
      frames.push(chunk({}, 'tool_calls'));
    } else {
      frames.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
      const pieces = ans.text === TEXT_PIECES.join('') ? TEXT_PIECES : [ans.text];
      for (const p of pieces) frames.push(chunk({ content: p }, null));
      if (sc.kind === 'hang') return sse(fake, frames.slice(0, 2), true);
      frames.push(chunk({}, 'stop'));
    }
    if (withUsage) frames.push(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage: USAGE })}\n\n`);
    frames.push('data: [DONE]\n\n');
    return sse(fake, frames);
  });
}

export function startAzureFake(): FakeServer {
  return startOpenAIFake((r) => decodeURIComponent(/\/openai\/deployments\/([^/]+)\//.exec(r.path)?.[1] ?? ''));
}
