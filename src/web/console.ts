/**
 * The web console's HTTP side: the page at `/` and its script, bundled from
 * src/web/console/ by a macro (src/web/bundle.ts) and held in memory, gzipped
 * once on first use, with ETags. Everything is embedded: the console needs no network but
 * its own origin's API.
 */
import { bundleConsole } from './bundle.ts' with { type: 'macro' };

const assets = bundleConsole();

const hash = (text: string) => Bun.hash(text).toString(36);

const SCRIPT_PATH = `assets/console-${hash(assets.js)}.js`;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard</title>
<style>${assets.css}</style>
<script type="module" src="/${SCRIPT_PATH}"></script>
</head>
<body><div id="app"></div><noscript>The Switchyard console needs JavaScript.</noscript></body>
</html>
`;

interface Asset {
  body: Uint8Array;
  /** Compressed on first use, off the start-up path (about 3 ms for the script). */
  gzip: () => Uint8Array;
  etag: string;
  type: string;
  /** The script's name carries its hash, so it may be cached for good; the page must be revalidated. */
  cache: string;
}

function asset(text: string, type: string, cache: string): Asset {
  const body = new TextEncoder().encode(text);
  let gzipped: Uint8Array | null = null;
  const gzip = () => (gzipped ??= Bun.gzipSync(body));
  return { body, gzip, etag: `"${hash(text)}"`, type, cache };
}

export const consolePage = asset(page, 'text/html; charset=utf-8', 'no-cache');
export const consoleScript = asset(assets.js, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable');
export const CONSOLE_SCRIPT_PATH = `/${SCRIPT_PATH}`;

/** The asset as a response: 304 when the browser has it, gzipped when it accepts that. */
export function serveAsset(a: Asset, request: Request): Response {
  const headers: Record<string, string> = { 'content-type': a.type, etag: a.etag, 'cache-control': a.cache, vary: 'accept-encoding' };
  if (request.headers.get('if-none-match') === a.etag) return new Response(null, { status: 304, headers });
  if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
    return new Response(a.gzip(), { headers: { ...headers, 'content-encoding': 'gzip' } });
  }
  return new Response(a.body, { headers });
}
