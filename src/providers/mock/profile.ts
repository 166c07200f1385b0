/**
 * Which latency and failure profile a mock call follows (the provider's,
 * over it the model's, over that the request's `mock_profile`), and the
 * random draws it makes: a log-normal time to first token, jittered gaps
 * between tokens, injected errors and rate limits.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { MockProfile, type MockSettings, profileProblem, settingsProblem } from '../../schemas/mock.ts';
import type { Random } from '../../lib/random.ts';

/** A profile with every field decided. */
export interface Profile {
  ttftMs: number;
  /** Log-normal spread of the TTFT (0: fixed). */
  sigma: number;
  /** Mean gap between tokens, ms (0: no pacing). */
  gapMs: number;
  jitter: number;
  outputTokens: number | undefined;
  errorPercent: number;
  errorStatus: number;
  rateLimitPercent: number;
  retryAfterS: number;
}

/** z of the 99th percentile of the standard normal distribution. */
const Z99 = 2.326347874;
const checkProfile = TypeCompiler.Compile(MockProfile);

export class InvalidProfile extends Error {}

function resolve(p: MockProfile): Profile {
  const problem = profileProblem(p);
  if (problem) throw new InvalidProfile(problem);
  const ttftMs = p.ttft_ms ?? 0;
  const p99 = p.ttft_p99_ms ?? ttftMs;
  const tps = p.tokens_per_second ?? 0;
  return {
    ttftMs,
    sigma: ttftMs > 0 && p99 > ttftMs ? Math.log(p99 / ttftMs) / Z99 : 0,
    gapMs: tps > 0 ? 1000 / tps : 0,
    jitter: p.jitter ?? 0,
    outputTokens: p.output_tokens,
    errorPercent: p.error_percent ?? 0,
    errorStatus: p.error_status ?? 500,
    rateLimitPercent: p.rate_limit_percent ?? 0,
    retryAfterS: p.retry_after_s ?? 1,
  };
}

/** Only the profile fields of a settings object (no `models`). */
function own(s: MockSettings): MockProfile {
  const { models: _models, ...profile } = s;
  return profile;
}

export class Profiles {
  private readonly base: MockProfile;
  private readonly resolved = new Map<string, Profile>();
  private readonly byModel: Map<string, MockProfile>;
  private readonly fallback: Profile;

  /** Throws InvalidProfile for an inconsistent profile, naming the model. */
  constructor(settings: MockSettings) {
    const problem = settingsProblem(settings);
    if (problem) throw new InvalidProfile(problem);
    this.base = own(settings);
    this.fallback = resolve(this.base);
    this.byModel = new Map(Object.entries(settings.models ?? {}).map(([name, p]) => [name, { ...this.base, ...p }]));
    for (const [name, p] of this.byModel) this.resolved.set(name, resolve(p));
  }

  /**
   * The profile of one call: the model's (with or without a `mock/` prefix),
   * under the request's `mock_profile` when it has one. Throws InvalidProfile
   * for a bad `mock_profile`, naming the field.
   */
  forCall(model: string, override: unknown): Profile {
    const name = this.byModel.has(model) ? model : model.startsWith('mock/') ? model.slice(5) : model;
    if (override === undefined) return this.resolved.get(name) ?? this.fallback;
    if (!checkProfile.Check(override)) {
      const first = checkProfile.Errors(override).First();
      const field = first?.path.replace(/^\//, '').replaceAll('/', '.') ?? '';
      throw new InvalidProfile(`mock_profile${field ? `.${field}` : ''}: ${first?.message ?? 'invalid'}`);
    }
    try {
      return resolve({ ...(this.byModel.get(name) ?? this.base), ...override });
    } catch (err) {
      throw new InvalidProfile(`mock_profile: ${(err as Error).message}`);
    }
  }
}

/** A time to first token: fixed, or log-normal around the median (Box-Muller). */
export function sampleTtft(p: Profile, random: Random): number {
  if (p.sigma === 0) return p.ttftMs;
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return p.ttftMs * Math.exp(p.sigma * z);
}

/** The gap before the next token. */
export function sampleGap(p: Profile, random: Random): number {
  return p.jitter === 0 ? p.gapMs : p.gapMs * (1 + p.jitter * (2 * random() - 1));
}

/** The injected outcome of a call: an error's status and Retry-After, or null to answer. */
export function injectedFailure(p: Profile, random: Random): { status: number; retryAfterMs?: number } | null {
  if (p.errorPercent === 0 && p.rateLimitPercent === 0) return null;
  const r = random() * 100;
  if (r < p.errorPercent) return { status: p.errorStatus };
  if (r < p.errorPercent + p.rateLimitPercent) return { status: 429, retryAfterMs: p.retryAfterS * 1000 };
  return null;
}
