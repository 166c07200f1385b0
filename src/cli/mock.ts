/**
 * `switchyard mock`: the mock provider as a standalone OpenAI-compatible
 * upstream, so a load test can compare the gateway with the upstream it
 * calls. Its default profile comes from flags, per-model profiles from a
 * JSON/YAML/TOML file of mock settings (src/schemas/mock.ts); flags win.
 */
import { Value } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InvalidProfile } from '../providers/mock/profile.ts';
import { type MockUpstream, startMockUpstream } from '../providers/mock/server.ts';
import { MockSettings } from '../schemas/mock.ts';
import { numberFlag, parseCommandArgs, UsageError } from './args.ts';

/** Profile flags and the settings field each one sets. */
const PROFILE_FLAGS = {
  'ttft-ms': 'ttft_ms',
  'ttft-p99-ms': 'ttft_p99_ms',
  'tokens-per-second': 'tokens_per_second',
  jitter: 'jitter',
  'output-tokens': 'output_tokens',
  'error-percent': 'error_percent',
  'error-status': 'error_status',
  'rate-limit-percent': 'rate_limit_percent',
  'retry-after-s': 'retry_after_s',
} as const;

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '9000' },
  profiles: { type: 'string' },
  ...Object.fromEntries(Object.keys(PROFILE_FLAGS).map((f) => [f, { type: 'string' }])),
} as const;

function readSettings(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--profiles: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const ext = extname(path).toLowerCase();
    return ext === '.yaml' || ext === '.yml' ? Bun.YAML.parse(text) : ext === '.toml' ? Bun.TOML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--profiles: ${path} cannot be parsed: ${(err as Error).message}`);
  }
}

/** The mock settings named by the command line; a bad value is a usage error naming its flag or field. */
export function mockSettings(values: Record<string, string | boolean | undefined>): MockSettings {
  const fromFile = typeof values.profiles === 'string' ? readSettings(values.profiles) : {};
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new UsageError('--profiles: the file must hold an object');
  const settings: Record<string, unknown> = { ...fromFile };
  for (const [flag, field] of Object.entries(PROFILE_FLAGS)) {
    const v = values[flag];
    if (typeof v === 'string') settings[field] = numberFlag(v, flag);
  }
  const first = Value.Errors(MockSettings, settings).First();
  if (first) {
    const field = first.path.replace(/^\//, '').replaceAll('/', '.');
    const flag = Object.entries(PROFILE_FLAGS).find(([, f]) => f === field)?.[0];
    throw new UsageError(`${flag ? `--${flag}` : `--profiles: ${field}`}: ${first.message}`);
  }
  return settings as MockSettings;
}

export function mockCommand(argv: string[], out: (line: string) => void): MockUpstream {
  const { values } = parseCommandArgs(argv, OPTIONS, false);
  const port = numberFlag(values.port, 'port', 'integer') ?? 9000;
  let upstream: MockUpstream;
  try {
    upstream = startMockUpstream({ ...mockSettings(values), host: values.host, port });
  } catch (err) {
    if (err instanceof InvalidProfile) throw new UsageError(`mock profile: ${err.message}`);
    throw err;
  }
  out(`mock upstream listening on ${upstream.url}`);
  return upstream;
}
