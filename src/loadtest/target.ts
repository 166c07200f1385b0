/**
 * What the load generator sends: one HTTP/1.1 request, encoded once and
 * written as is for every call, to an OpenAI-compatible chat completions URL.
 */
export interface RequestTarget {
  /** The endpoint, for reports (never carries the key). */
  url: string;
  hostname: string;
  port: number;
  tls: boolean;
  /** The whole request: head and body. */
  bytes: Uint8Array;
}

export function buildTarget(url: URL, body: string, headers: Readonly<Record<string, string>>): RequestTarget {
  const tls = url.protocol === 'https:';
  const bodyBytes = Buffer.from(body, 'utf8');
  // The caller's headers replace the defaults of the same name: a field sent twice is a different request
  // (two Content-Types read as "application/json, application/json", which a strict server refuses).
  const fields = new Map<string, string>([
    ['content-type', 'Content-Type: application/json'],
    ['accept', 'Accept: application/json, text/event-stream'],
    ['user-agent', 'User-Agent: switchyard-loadtest'],
  ]);
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name !== 'host' && name !== 'content-length') fields.set(name, `${k}: ${v}`);
  }
  const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, ...fields.values(), `Content-Length: ${bodyBytes.length}`];
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return {
    url: `${url.origin}${url.pathname}`,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (tls ? 443 : 80),
    tls,
    bytes: Buffer.concat([head, bodyBytes]),
  };
}
