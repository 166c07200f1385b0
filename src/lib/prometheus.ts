/**
 * A small writer of the Prometheus text exposition format (version 0.0.4):
 * counters, gauges and histograms with labels. A series is a child object the
 * caller keeps and updates with plain arithmetic, so the hot path pays no label
 * hashing; prom-client hashes a label object on every update, which measured
 * several times slower (scripts/bench-metrics.ts).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface CounterChild {
  readonly labels: readonly string[];
  value: number;
}

export class HistogramChild {
  /** Observations per bucket, not cumulative (the last slot is +Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: readonly string[],
    /** Upper bounds, ascending; +Inf is implied. */
    readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length + 1);
  }

  observe(value: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && value > (b[i] as number)) i++;
    (this.counts as Float64Array)[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** How `render` shows or hides series. */
export interface RenderOptions {
  /** Maps a label's stored value to the value shown (e.g. an id to a name). */
  display?: (label: string, value: string) => string;
  /** Keeps a series; families are shown whole without it. */
  keep?: (labelNames: readonly string[], values: readonly string[]) => boolean;
}

const SEP = '\u0001';

function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n') : v;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

function labelText(names: readonly string[], values: readonly string[], opts: RenderOptions, extra = ''): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const raw = values[i] ?? '';
    parts.push(`${name}="${escapeLabel(opts.display ? opts.display(name, raw) : raw)}"`);
  }
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Family<C extends { labels: readonly string[] }> {
  protected readonly children = new Map<string, C>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: MetricType,
  ) {}

  /** The series for these label values (in `labelNames` order), created at first use. */
  child(...values: string[]): C {
    const key = values.join(SEP);
    let c = this.children.get(key);
    if (!c) {
      if (values.length !== this.labelNames.length) {
        throw new Error(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
      }
      c = this.create(values);
      this.children.set(key, c);
    }
    return c;
  }

  /** Every value a label has taken (for resolving ids to names before rendering). */
  valuesOf(label: string): Set<string> {
    const i = this.labelNames.indexOf(label);
    const out = new Set<string>();
    if (i < 0) return out;
    for (const c of this.children.values()) out.add(c.labels[i] as string);
    return out;
  }

  render(opts: RenderOptions): string {
    const lines: string[] = [];
    for (const c of this.children.values()) {
      if (opts.keep && !opts.keep(this.labelNames, c.labels)) continue;
      this.lines(c, opts, lines);
    }
    if (lines.length === 0) return '';
    return `# HELP ${this.name} ${this.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}\n# TYPE ${this.name} ${this.type}\n${lines.join('\n')}\n`;
  }

  protected abstract create(values: readonly string[]): C;
  protected abstract lines(c: C, opts: RenderOptions, out: string[]): void;
}

/** A counter or a gauge: one number per series. */
export class Scalar extends Family<CounterChild> {
  protected create(labels: readonly string[]): CounterChild {
    return { labels, value: 0 };
  }
  protected lines(c: CounterChild, opts: RenderOptions, out: string[]): void {
    out.push(`${this.name}${labelText(this.labelNames, c.labels, opts)} ${formatNumber(c.value)}`);
  }
}

export class Histogram extends Family<HistogramChild> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    /** Upper bounds, ascending; +Inf is implied. */
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames, 'histogram');
  }
  protected create(labels: readonly string[]): HistogramChild {
    return new HistogramChild(labels, this.buckets);
  }
  protected lines(c: HistogramChild, opts: RenderOptions, out: string[]): void {
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += c.counts[i] as number;
      const le = i < this.buckets.length ? formatNumber(this.buckets[i] as number) : '+Inf';
      out.push(`${this.name}_bucket${labelText(this.labelNames, c.labels, opts, `le="${le}"`)} ${cumulative}`);
    }
    const l = labelText(this.labelNames, c.labels, opts);
    out.push(`${this.name}_sum${l} ${formatNumber(c.sum)}`, `${this.name}_count${l} ${c.count}`);
  }
}

/** Families in the order they are shown. */
export class Registry {
  private readonly families: Family<CounterChild | HistogramChild>[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Scalar {
    return this.add(new Scalar(name, help, labelNames, 'counter'));
  }
  gauge(name: string, help: string, labelNames: readonly string[] = []): Scalar {
    return this.add(new Scalar(name, help, labelNames, 'gauge'));
  }
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** Every value a label has taken, across families. */
  valuesOf(label: string): Set<string> {
    const out = new Set<string>();
    for (const f of this.families) for (const v of f.valuesOf(label)) out.add(v);
    return out;
  }

  render(opts: RenderOptions = {}): string {
    return this.families.map((f) => f.render(opts)).join('');
  }

  private add<F extends Family<CounterChild> | Family<HistogramChild>>(f: F): F {
    if (this.families.some((x) => x.name === f.name)) throw new Error(`metric ${f.name} is registered twice`);
    this.families.push(f as Family<CounterChild | HistogramChild>);
    return f;
  }
}

/** The content type Prometheus expects for this format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
