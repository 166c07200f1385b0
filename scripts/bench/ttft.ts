/**
 * Time to first token over a stream, measured by a client that sends one
 * request after another: first content chunk arrival minus send time, and the
 * gaps between chunks (held-back chunks show up as a large max gap).
 */
export interface TtftResult {
  n: number;
  /** Milliseconds. */
  ttftP50: number;
  ttftP99: number;
  totalP50: number;
  maxGap: number;
  errors: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function measureTtft(url: string, body: unknown, headers: Record<string, string>, n: number): Promise<TtftResult> {
  const ttft: number[] = [];
  const total: number[] = [];
  let maxGap = 0;
  let errors = 0;
  const payload = JSON.stringify(body);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
    if (!res.ok || !res.body) {
      errors++;
      await res.arrayBuffer();
      continue;
    }
    const reader = res.body.getReader();
    let first = -1;
    let last = t0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const now = performance.now();
      if (first < 0 && new TextDecoder().decode(value).includes('"content"')) first = now - t0;
      if (first >= 0) maxGap = Math.max(maxGap, now - last);
      last = now;
    }
    if (first < 0) errors++;
    else {
      ttft.push(first);
      total.push(last - t0);
    }
  }
  ttft.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  return { n: ttft.length, ttftP50: pct(ttft, 50), ttftP99: pct(ttft, 99), totalP50: pct(total, 50), maxGap, errors };
}
