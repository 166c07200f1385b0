/** Fake Gemini API: generateContent, streamGenerateContent?alt=sse (CRLF framing), batchEmbedContents, error shape. */
import { API_KEY, JSON_ANSWER, list, rec, RETRY_AFTER_SECONDS, scenarioOf, sse, startFake, TEXT_PIECES, TOOL_ANSWER, type FakeServer } from './common.ts';

const ERRORS: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: `API key not valid. Please pass a valid API key. (key: ${API_KEY})` },
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
  403: { status: 'PERMISSION_DENIED', message: 'Method doesn\'t allow unregistered callers.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred.' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
};

type Answer = { text: string } | { tool: string };

function answerFor(body: Record<string, unknown>): Answer {
  const contents = list(body.contents);
  const last = rec(contents[contents.length - 1]);
  if (list(last.parts).some((p) => rec(p).functionResponse !== undefined)) return { text: TOOL_ANSWER };
  const decls = list(rec(list(body.tools)[0]).functionDeclarations);
  if (decls.length > 0) return { tool: String(rec(decls[0]).name) };
  if (rec(body.generationConfig).responseMimeType === 'application/json') return { text: JSON_ANSWER };
  return { text: TEXT_PIECES.join('') };
}

const usage = (final: boolean) => ({
  promptTokenCount: 10,
  candidatesTokenCount: final ? 5 : 1,
  totalTokenCount: final ? 18 : 11,
  cachedContentTokenCount: 4,
  thoughtsTokenCount: 3,
  promptTokensDetails: [{ modality: 'TEXT', tokenCount: 10 }],
});

export function startGeminiFake(): FakeServer {
  return startFake((r, fake) => {
    const m = /^\/v1beta\/models\/([^:]+):(\w+)$/.exec(r.path);
    const model = m?.[1] ?? '';
    const method = m?.[2] ?? '';
    const body = rec(r.body);
    const sc = scenarioOf(model);
    if (sc.kind === 'error') {
      const e = ERRORS[sc.status] ?? { status: 'INTERNAL', message: 'error' };
      const headers: Record<string, string> = {};
      if (sc.status === 429) headers['retry-after'] = String(RETRY_AFTER_SECONDS);
      return Response.json({ error: { code: sc.status, message: e.message, status: e.status } }, { status: sc.status, headers });
    }
    if (method === 'batchEmbedContents') {
      return Response.json({ embeddings: list(body.requests).map((_, i) => ({ values: [i, 0.5, -0.25] })) });
    }
    const ans = answerFor(body);
    const envelope = { modelVersion: 'gemini-2.5-flash', responseId: 'resp-fake-1' };
    if (method === 'generateContent') {
      const parts = 'tool' in ans ? [{ functionCall: { name: ans.tool, args: { city: 'Paris' } } }] : [{ text: ans.text }];
      return Response.json({
        candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: usage(true),
        ...envelope,
      });
    }
    if (method !== 'streamGenerateContent' || r.query.get('alt') !== 'sse') return new Response('not found', { status: 404 });
    const frame = (parts: unknown[], finish: string | undefined, final: boolean) =>
      `data: ${JSON.stringify({ candidates: [{ content: { parts, role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 }], usageMetadata: usage(final), ...envelope })}\r\n\r\n`;
    if ('tool' in ans) return sse(fake, [frame([{ functionCall: { name: ans.tool, args: { city: 'Paris' } } }], 'STOP', true)]);
    const pieces = ans.text === TEXT_PIECES.join('') ? TEXT_PIECES : [ans.text];
    const frames = pieces.map((p, i) => frame([{ text: p }], i === pieces.length - 1 ? 'STOP' : undefined, i === pieces.length - 1));
    if (sc.kind === 'hang') return sse(fake, frames.slice(0, 1), true);
    return sse(fake, frames);
  });
}
