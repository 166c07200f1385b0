/**
 * Latency and failure profiles of the mock provider, so that it behaves like a
 * real upstream under load: the same shape in the gateway's config
 * (`providers.<id>.mock`, with per-model profiles under `models`), in the
 * standalone `switchyard mock` upstream, and per request in a chat body's
 * `mock_profile` field (which wins field by field over the model's profile,
 * which wins over the provider's).
 */
import { type Static, Type as T } from '@sinclair/typebox';

const fields = {
  ttft_ms: T.Optional(
    T.Number({ minimum: 0, description: 'Median time to the first token, ms. A plain (non-streamed) call waits it too. Default 0.' }),
  ),
  ttft_p99_ms: T.Optional(
    T.Number({
      minimum: 0,
      description: 'The 99th percentile of the time to first token, ms: TTFT is then log-normal with this p99 and ttft_ms as median. Without it, every TTFT is ttft_ms.',
    }),
  ),
  tokens_per_second: T.Optional(
    T.Number({ minimum: 0, description: 'Output pace after the first token; a plain call waits for its whole output. 0 (default): no pacing.' }),
  ),
  jitter: T.Optional(
    T.Number({ minimum: 0, maximum: 1, description: 'Each gap between tokens varies uniformly by up to this fraction of it (0.2 = +-20%). Default 0.' }),
  ),
  output_tokens: T.Optional(
    T.Integer({
      minimum: 1,
      // Past any real model's output; a profile is not a way to make the mock build gigabytes.
      maximum: 200_000,
      description: 'Reply length in tokens (the reply text repeated or cut), at most 200,000; max_tokens still cuts it. Default: the reply text as it is.',
    }),
  ),
  error_percent: T.Optional(T.Number({ minimum: 0, maximum: 100, description: 'Share of calls, in percent, that fail with error_status.' })),
  error_status: T.Optional(T.Integer({ minimum: 400, maximum: 599, description: 'Status of injected errors. Default 500.' })),
  rate_limit_percent: T.Optional(
    T.Number({ minimum: 0, maximum: 100, description: 'Share of calls, in percent, answered 429 with a Retry-After header.' }),
  ),
  retry_after_s: T.Optional(T.Integer({ minimum: 0, description: 'Retry-After of injected 429s, seconds. Default 1.' })),
};

export const MockProfile = T.Object(fields, { additionalProperties: false });
export type MockProfile = Static<typeof MockProfile>;

/** A mock provider's settings: its default profile, and profiles by model name. */
export const MockSettings = T.Object(
  { ...fields, models: T.Optional(T.Record(T.String({ minLength: 1 }), MockProfile)) },
  { additionalProperties: false },
);
export type MockSettings = Static<typeof MockSettings>;

/** What the schema cannot say about settings, naming the model; null when they are consistent. */
export function settingsProblem(s: MockSettings): string | null {
  const { models, ...base } = s;
  const own = profileProblem(base);
  if (own) return own;
  for (const [name, p] of Object.entries(models ?? {})) {
    const problem = profileProblem({ ...base, ...p });
    if (problem) return `models.${name}: ${problem}`;
  }
  return null;
}

/** What the schema cannot say about a profile; null when it is consistent. */
export function profileProblem(p: MockProfile): string | null {
  if (p.ttft_p99_ms !== undefined && p.ttft_p99_ms < (p.ttft_ms ?? 0)) return 'ttft_p99_ms must be at least ttft_ms';
  if ((p.error_percent ?? 0) + (p.rate_limit_percent ?? 0) > 100) return 'error_percent and rate_limit_percent add up to more than 100';
  return null;
}
