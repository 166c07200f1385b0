/**
 * A misbehaving OpenAI-compatible upstream on a raw socket (127.0.0.1, port
 * 0), for the faults an HTTP framework would not let a fake commit: dripping
 * a byte a second, resetting mid-body, lying about its content type, sending
 * 100 MB. The request's model names the fault. Bytes are written only as the
 * socket drains, so `written` counts what the gateway actually took in (plus
 * what the kernel buffers between the two).
 */
import net from 'node:net';

export type Fault =
  | 'drip'
  | 'drip-stream'
  | 'reset'
  | 'reset-stream'
  | 'bad-json'
  | 'bad-sse'
  | 'bad-sse-json'
  | 'html'
  | 'huge-declared'
  | 'huge-chunked'
  | 'huge-stream';

export const FAULTS: readonly Fault[] = [
  'drip', 'drip-stream', 'reset', 'reset-stream', 'bad-json', 'bad-sse', 'bad-sse-json', 'html', 'huge-declared',
  'huge-chunked', 'huge-stream',
];

export const HUGE_BYTES = 100 * 1024 * 1024;

export interface FaultyUpstream {
  /** Base URL with the `/v1` an OpenAI-compatible provider expects. */
  url: string;
  /** Bytes written per fault, summed over its requests. */
  written: Map<Fault, number>;
  /** Connections whose peer went away before the fault was done. */
  closedEarly: number;
  stop(): Promise<void>;
}

// One request per connection: the fake never has to read a second one.
const SSE_HEAD = 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n';
const JSON_HEAD = (length: number) =>
  `HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
const CHUNKED_JSON_HEAD = 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n';

/** One chunk of HTTP chunked encoding. */
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

export function sseChunk(content: string): string {
  const c = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] };
  return `data: ${JSON.stringify(c)}\n\n`;
}

/** Writes `next()` pieces as fast as the socket drains, until it returns null or the socket closes. */
async function pump(sock: net.Socket, next: () => string | Buffer | null, count: (n: number) => void): Promise<void> {
  for (;;) {
    if (sock.destroyed) return;
    const piece = next();
    if (piece === null) return;
    count(typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length);
    if (!sock.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          sock.off('drain', done);
          sock.off('close', done);
          resolve();
        };
        sock.on('drain', done);
        sock.on('close', done);
      });
    }
  }
}

async function drip(sock: net.Socket, piece: () => string, count: (n: number) => void): Promise<void> {
  while (!sock.destroyed) {
    await Bun.sleep(1000);
    if (sock.destroyed) return;
    const p = piece();
    count(Buffer.byteLength(p));
    sock.write(p);
  }
}

async function answer(fault: Fault, sock: net.Socket, count: (n: number) => void): Promise<void> {
  const send = (text: string) => {
    count(Buffer.byteLength(text));
    sock.write(text);
  };
  switch (fault) {
    case 'drip':
      send(JSON_HEAD(1000));
      return drip(sock, () => ' ', count);
    case 'drip-stream':
      send(SSE_HEAD + chunk(sseChunk('first')));
      return drip(sock, () => chunk('x'), count);
    case 'reset':
      send(`${JSON_HEAD(1000)}{"id": "c1", "obj`);
      await Bun.sleep(20);
      sock.resetAndDestroy();
      return;
    case 'reset-stream':
      send(SSE_HEAD + chunk(sseChunk('one')) + chunk(sseChunk('two')));
      // A reset drops what the peer has not read yet: give it time to read the two chunks.
      await Bun.sleep(300);
      sock.resetAndDestroy();
      return;
    case 'bad-json':
      send(`${JSON_HEAD(11)}{"id": oops`);
      return;
    case 'bad-sse':
      send(SSE_HEAD + chunk('this is not\nan event stream\n\n') + chunk(''));
      return;
    case 'bad-sse-json':
      send(SSE_HEAD + chunk('data: {broken\n\n') + chunk(''));
      return;
    case 'html': {
      const page = '<html><body>Bad gateway page</body></html>';
      send(`HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: text/html\r\ncontent-length: ${page.length}\r\n\r\n${page}`);
      return;
    }
    case 'huge-declared': {
      send(JSON_HEAD(HUGE_BYTES));
      const block = Buffer.alloc(64 * 1024, 0x20);
      let left = HUGE_BYTES;
      return pump(sock, () => (left <= 0 ? null : ((left -= block.length), block)), count);
    }
    case 'huge-chunked': {
      send(CHUNKED_JSON_HEAD);
      const block = chunk(' '.repeat(64 * 1024));
      let left = HUGE_BYTES;
      return pump(sock, () => (left <= 0 ? null : ((left -= 64 * 1024), block)), count);
    }
    case 'huge-stream': {
      send(SSE_HEAD);
      const block = chunk(sseChunk('y'.repeat(16 * 1024)));
      let left = HUGE_BYTES;
      return pump(sock, () => (left <= 0 ? null : ((left -= block.length), block)), count);
    }
  }
}

/** Reads one request (headers and a content-length body) and returns its JSON body. */
function readRequest(sock: net.Socket): Promise<{ model?: string } | null> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      sock.off('data', onData);
      try {
        resolve(JSON.parse(buf.subarray(end + 4, end + 4 + length).toString()) as { model?: string });
      } catch {
        resolve(null);
      }
    };
    sock.on('data', onData);
    sock.once('close', () => resolve(null));
  });
}

export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  const sockets = new Set<net.Socket>();
  const fake: FaultyUpstream = {
    url: '',
    written: new Map(),
    closedEarly: 0,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer(async (sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
    const body = await readRequest(sock);
    const fault = FAULTS.find((f) => f === body?.model);
    if (!fault) {
      sock.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const count = (n: number) => fake.written.set(fault, (fake.written.get(fault) ?? 0) + n);
    await answer(fault, sock, count);
    if (sock.destroyed) fake.closedEarly++;
    else sock.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1`;
  return fake;
}
