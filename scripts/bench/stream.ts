/**
 * Streamed load for the bench, driven by Switchyard's own load generator
 * (src/loadtest/) in this process: wrk can time a whole stream, but not its
 * first token or the gaps between chunks.
 */
import { runLoad } from '../../src/loadtest/engine.ts';
import { buildTarget } from '../../src/loadtest/target.ts';
import type { WrkResult } from './wrk.ts';

export interface StreamResult extends WrkResult {
  /** Milliseconds. */
  ttftP50: number;
  ttftP99: number;
  /** The largest gap between two reads that brought chunks, over every stream. */
  maxGap: number;
}

export interface StreamLoad {
  url: string;
  headers: Record<string, string>;
  body: string;
  durationS: number;
  /** Open loop at this rate; omitted: closed loop with `connections`. */
  rate?: number;
  connections: number;
}

/** 64 output tokens with usage in the last chunk, as the mock upstream reads `mock_profile` (the floor and the gateway pass it on). */
export function streamBody(tokensPerSecond: number): string {
  return JSON.stringify({
    model: 'bench-primary',
    messages: [{ role: 'user', content: 'Stream a few words.' }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 64,
    mock_profile: { output_tokens: 64, tokens_per_second: tokensPerSecond },
  });
}

export async function runStream(o: StreamLoad): Promise<StreamResult> {
  const r = await runLoad({
    target: buildTarget(new URL(o.url), o.body, o.headers),
    ...(o.rate === undefined ? {} : { rate: o.rate }),
    // Open loop: as many connections as the streams in flight need.
    connections: o.rate === undefined ? o.connections : 1000,
    durationS: o.durationS,
    // The streaming paths (the upstream's paced chunks included) are not warmed by the plain runs before.
    warmupS: 2,
    timeoutMs: 10_000,
  });
  const { latency, ttft, gaps, failures } = r.rec;
  let failed = 0;
  for (const n of failures.values()) failed += n;
  return {
    requests: r.rec.answered + failed,
    rps: r.achievedRate,
    p50: latency.percentile(50),
    p90: latency.percentile(90),
    p99: latency.percentile(99),
    p999: latency.percentile(99.9),
    errors: r.rec.errors,
    ttftP50: ttft.percentile(50) / 1000,
    ttftP99: ttft.percentile(99) / 1000,
    maxGap: gaps.max / 1000,
  };
}
