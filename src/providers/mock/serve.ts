/**
 * Runs the mock upstream as its own process for load tests:
 *   bun src/providers/mock/serve.ts --port 9000 --latency-ms 50 [--ttft-ms N]
 *     [--tokens-per-second N] [--error-rate 0.01] [--error-status 503] [--host 0.0.0.0]
 */
import { parseArgs } from 'node:util';
import { startMockUpstream, type MockUpstreamOptions } from './server.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9000' },
    'latency-ms': { type: 'string' },
    'ttft-ms': { type: 'string' },
    'tokens-per-second': { type: 'string' },
    'error-rate': { type: 'string' },
    'error-status': { type: 'string' },
  },
});

function numberArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${v}`);
    process.exit(2);
  }
  return n;
}

const options: MockUpstreamOptions = { host: values.host, port: numberArg('port', values.port) ?? 9000 };
const latency = numberArg('latency-ms', values['latency-ms']);
const ttft = numberArg('ttft-ms', values['ttft-ms']);
const tps = numberArg('tokens-per-second', values['tokens-per-second']);
const errorRate = numberArg('error-rate', values['error-rate']);
const errorStatus = numberArg('error-status', values['error-status']);
// Unset flags stay unset so the mock's own defaults apply.
if (latency !== undefined) options.latency_ms = latency;
if (ttft !== undefined) options.ttft_ms = ttft;
if (tps !== undefined) options.tokens_per_second = tps;
if (errorRate !== undefined) options.error_rate = errorRate;
if (errorStatus !== undefined) options.error_status = errorStatus;

const upstream = startMockUpstream(options);
console.log(`mock upstream listening on ${upstream.url}`);

const shutdown = () => {
  void upstream.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
