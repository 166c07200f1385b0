/** Fake Anthropic Messages API: real response bodies, SSE event sequence and error shapes. */
import { API_KEY, JSON_ANSWER, list, rec, RETRY_AFTER_SECONDS, scenarioOf, sse, startFake, TEXT_PIECES, TOOL_ANSWER, type FakeServer } from './common.ts';

const ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' },
  401: { type: 'authentication_error', message: `invalid x-api-key ${API_KEY}` },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

type Answer = { text: string } | { tool: string };

function answerFor(body: Record<string, unknown>): Answer {
  const msgs = list(body.messages);
  const last = rec(msgs[msgs.length - 1]);
  const hasResult = list(last.content).some((b) => rec(b).type === 'tool_result');
  if (hasResult) return { text: TOOL_ANSWER };
  const tools = list(body.tools);
  if (tools.length > 0) return { tool: String(rec(tools[0]).name) };
  if (typeof body.system === 'string' && body.system.includes('JSON')) return { text: JSON_ANSWER };
  return { text: TEXT_PIECES.join('') };
}

const USAGE = { input_tokens: 10, cache_creation_input_tokens: 3, cache_read_input_tokens: 5, output_tokens: 6 };

const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

export function startAnthropicFake(): FakeServer {
  return startFake((r, fake) => {
    const body = rec(r.body);
    const model = String(body.model);
    const sc = scenarioOf(model);
    if (sc.kind === 'error') {
      const e = ERRORS[sc.status] ?? { type: 'api_error', message: 'error' };
      const headers: Record<string, string> = { 'request-id': 'req_011' };
      if (sc.status === 429) headers['retry-after'] = String(RETRY_AFTER_SECONDS);
      return Response.json({ type: 'error', error: e }, { status: sc.status, headers });
    }
    const ans = answerFor(body);
    if (body.stream !== true) {
      const content =
        'tool' in ans
          ? [{ type: 'text', text: "I'll check the weather." }, { type: 'tool_use', id: 'toolu_01', name: ans.tool, input: { city: 'Paris' } }]
          : [{ type: 'text', text: ans.text }];
      return Response.json({
        id: 'msg_01fake',
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: 'tool' in ans ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: USAGE,
      });
    }
    const frames = [
      ev('message_start', {
        type: 'message_start',
        message: { id: 'msg_01fake', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...USAGE, output_tokens: 1 } },
      }),
    ];
    if ('tool' in ans) {
      frames.push(ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      frames.push(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Need weather.' } }));
      frames.push(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' } }));
      frames.push(ev('content_block_stop', { type: 'content_block_stop', index: 0 }));
      frames.push(ev('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01', name: ans.tool, input: {} } }));
      frames.push(ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } }));
      frames.push(ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } }));
      frames.push(ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ris"}' } }));
      frames.push(ev('content_block_stop', { type: 'content_block_stop', index: 1 }));
    } else {
      frames.push(ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
      frames.push(ev('ping', { type: 'ping' }));
      const pieces = ans.text === TEXT_PIECES.join('') ? TEXT_PIECES : [ans.text];
      for (const p of pieces) frames.push(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } }));
      if (sc.kind === 'hang') return sse(fake, frames.slice(0, 4), true);
      if (sc.kind === 'midstream-error') {
        frames.push(ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
        return sse(fake, frames);
      }
      frames.push(ev('content_block_stop', { type: 'content_block_stop', index: 0 }));
    }
    frames.push(ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool' in ans ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 6 } }));
    frames.push(ev('message_stop', { type: 'message_stop' }));
    return sse(fake, frames);
  });
}
