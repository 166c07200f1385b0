/** Sums a `bun --cpu-prof` profile by function: self time, and inclusive time of the project's own code. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dir, '../..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const frameName = (n: ProfileNode) => {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(`file://${root}/`, '').replace(`${root}/`, '')}:${f.lineNumber + 1}` : '(native)';
  return `${f.functionName || '(anonymous)'} ${where}`;
};

/**
 * Time per function in ms, busiest first: self (the function's own code) and
 * inclusive (anything it called), the latter only for the project's own code.
 */
export function times(p: CpuProfile): { total: number; self: [string, number][]; inclusive: [string, number][] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    const node = byId.get(id);
    // The first delta is the profiler's own start-up: not a sample of the load.
    const dt = i === 0 ? 0 : (p.timeDeltas[i] ?? 0) / 1000;
    if (!node) continue;
    const key = frameName(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at) as ProfileNode;
      if (!n.callFrame.url.includes('/src/')) continue;
      const k = frameName(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { total, self: sorted(self), inclusive: sorted(inclusive) };
}

/** Prints the busiest `top` functions of a profile file, self time and inclusive. */
export function printProfile(file: string, top: number): void {
  const { total, self, inclusive } = times(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const print = (rows: [string, number][]) => {
    for (const [name, ms] of rows.slice(0, top)) console.log(`${((ms / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  };
  console.log(`main thread, self time by function (${total.toFixed(0)} ms sampled, warm-up and idle included):`);
  print(self);
  console.log("\nmain thread, inclusive time of the project's own functions:");
  print(inclusive);
}
