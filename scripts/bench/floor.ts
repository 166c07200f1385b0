/**
 * The floor: a bare Bun proxy that forwards the body with fetch() and returns
 * the upstream's answer, nothing else. Switchyard's added latency is judged
 * against this, measured in the same run.
 * Usage: bun scripts/bench/floor.ts PORT UPSTREAM_BASE_URL
 */
const [port, upstream] = Bun.argv.slice(2);
if (!port || !upstream) throw new Error('usage: floor.ts PORT UPSTREAM_BASE_URL');

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(port),
  async fetch(req) {
    const url = new URL(req.url);
    const res = await fetch(upstream + url.pathname.replace(/^\/api/, '/v1'), {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'GET' ? undefined : await req.arrayBuffer(),
    });
    return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
  },
});
