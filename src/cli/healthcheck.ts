/**
 * `switchyard healthcheck`: asks the running gateway's /health, for container
 * health checks on images that have no curl (the config gives host and port;
 * a wildcard listen address is asked on loopback). Exit 0 when healthy.
 */
import type { Config } from '../config.ts';

const TIMEOUT_MS = 3000;

export function healthUrl(config: Config, path = '/health'): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}${path}`;
}

export async function healthcheck(config: Config, print: (line: string) => void): Promise<number> {
  const url = healthUrl(config);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    print(`${url}: ${res.status} ${await res.text()}`);
    return res.ok ? 0 : 1;
  } catch (err) {
    print(`${url}: ${(err as Error).message}`);
    return 1;
  }
}
