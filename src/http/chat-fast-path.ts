/**
 * POST /chat/completions (and /api/chat/completions) served ahead of the
 * framework's router: the proxy's hottest route skips Elysia's per-request
 * context, routing and TypeBox decoding, and does the same steps itself in the
 * framework's order (route noted, caller authenticated, role checked, body
 * checked against the same schema, the same handler, errors rendered by the
 * same hook). The body is read within the body layer's limits, by its own
 * reader (a body over them gets that layer's answer). Anything else off the
 * plain path (another content type, a body that does not parse or does not
 * match the schema, a query string or trailing slash) goes to the framework,
 * so its answers stay exactly the framework's.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CHAT_API } from '../modules/chat/api.ts';
import { ChatBody } from '../modules/chat/model.ts';
import { PARAMS_HEADER, headerParams } from '../modules/chat/params.ts';
import { respond } from '../modules/chat/respond.ts';
import type { ChatService } from '../modules/chat/service.ts';
import { requireRole } from '../modules/keys/policy.ts';
import type { Logger } from '../lib/log.ts';
import type { Authenticator } from '../principal.ts';
import { GATEWAY_ACCESS, extractKeyFrom, neededRole } from './auth.ts';
import { type BodyLimits, parseJson, readBody, withBody } from './body.ts';
import { errorResponse, toGatewayError } from './errors.ts';
import { noteCaller, noteRoute } from './request-context.ts';

type Fetch = (req: Request) => Response | Promise<Response>;

export interface ChatFastPathDeps {
  auth: Authenticator;
  chat: ChatService;
  /** The same limits as every other route's body (src/http/body.ts). */
  bodies: BodyLimits;
  log: Logger;
}

const ROUTES = new Set(['/chat/completions', '/api/chat/completions']);
const ROLE = neededRole(GATEWAY_ACCESS, 'POST', '/chat/completions');
const checkBody = TypeCompiler.Compile(ChatBody);

/** The request's path when it is one of the fast routes with no query string, else null. */
function fastRoute(url: string): string | null {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return null;
  const path = url.slice(start);
  return ROUTES.has(path) ? path : null;
}

function isJson(type: string | null): boolean {
  return type !== null && (type === 'application/json' || type.startsWith('application/json;'));
}

/**
 * The body as a chat request, or the request to hand to the framework (the
 * bytes read put back) when it is not one. The one place this path turns a
 * body into a chat request, with the body layer's own parser; its bytes come
 * from the body layer's reader (`readBody`, awaited by the caller: one async
 * step less per request).
 */
function chatBody(req: Request, bytes: Uint8Array, limits: BodyLimits): Record<string, unknown> | Request {
  let body: unknown;
  try {
    body = parseJson(bytes, limits.maxDepth);
  } catch {
    body = undefined;
  }
  if (checkBody.Check(body)) return body as Record<string, unknown>;
  // The framework reads the same bytes again and answers with its own message.
  return withBody(req, bytes);
}

export function chatFastPath(deps: ChatFastPathDeps, framework: Fetch): Fetch {
  const serve = async (req: Request, path: string): Promise<Response> => {
    if (!isJson(req.headers.get('content-type'))) return framework(req);
    let bytes: Uint8Array;
    try {
      bytes = await readBody(req, deps.bodies);
    } catch (err) {
      // Over the size limit, too slow, cut off: the body layer's answer.
      return errorResponse(toGatewayError('UNKNOWN', err, deps.log), 'openai');
    }
    const body = chatBody(req, bytes, deps.bodies);
    if (body instanceof Request) return framework(body);
    noteRoute(path);
    try {
      const h = req.headers;
      const principal = await deps.auth.authenticate(extractKeyFrom(h));
      noteCaller(principal);
      requireRole(principal, ROLE, `POST ${path}`);
      return await respond(deps.chat, CHAT_API, { principal, body, header: headerParams(h.get(PARAMS_HEADER)), signal: req.signal });
    } catch (err) {
      return errorResponse(toGatewayError('UNKNOWN', err, deps.log), 'openai');
    }
  };
  return (req) => {
    const path = req.method === 'POST' ? fastRoute(req.url) : null;
    return path ? serve(req, path) : framework(req);
  };
}
