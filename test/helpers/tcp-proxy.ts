/**
 * A TCP proxy on a free port in front of a server (PostgreSQL in the outage
 * tests): `cut()` closes every connection through it and refuses new ones, as
 * a server that went down or a network that broke would; `restore()` listens
 * again on the same port. Stopping the shared PostgreSQL would break every
 * other test run on the machine; this breaks only the connections of the
 * test that owns the proxy.
 */
import type { Socket, TCPSocketListener } from 'bun';

interface Side {
  peer: Socket<Side> | null;
  /** Bytes the client sent before the upstream connection was open. */
  pending: Uint8Array[];
}

export interface TcpProxy {
  readonly port: number;
  /** Connections through the proxy now. */
  readonly open: number;
  cut(): void;
  restore(): void;
  stop(): void;
}

export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
  const sockets = new Set<Socket<Side>>();
  let listener: TCPSocketListener<Side> | null = null;
  let port = 0;

  const pipe = {
    data(s: Socket<Side>, chunk: Uint8Array) {
      if (s.data.peer) s.data.peer.write(chunk);
      else s.data.pending.push(new Uint8Array(chunk));
    },
    close(s: Socket<Side>) {
      sockets.delete(s);
      s.data.peer?.end();
    },
    error(s: Socket<Side>) {
      s.data.peer?.end();
    },
  };

  const listen = () => {
    listener = Bun.listen<Side>({
      hostname: '127.0.0.1',
      port,
      socket: {
        ...pipe,
        open(client) {
          client.data = { peer: null, pending: [] };
          sockets.add(client);
          Bun.connect<Side>({ ...target, data: { peer: client, pending: [] }, socket: pipe }).then(
            (upstream) => {
              sockets.add(upstream);
              client.data.peer = upstream;
              for (const chunk of client.data.pending.splice(0)) upstream.write(chunk);
            },
            () => client.end(),
          );
        },
      },
    });
    port = listener.port;
  };
  listen();

  const cut = () => {
    listener?.stop(true);
    listener = null;
    for (const s of sockets) s.terminate();
    sockets.clear();
  };
  return {
    get port() {
      return port;
    },
    get open() {
      return sockets.size;
    },
    cut,
    restore() {
      if (!listener) listen();
    },
    stop: cut,
  };
}
