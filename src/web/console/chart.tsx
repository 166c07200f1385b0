/** A time-series chart: uPlot (fast on long series, ~20 KB gzipped) sized to its box. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

/** A series with values in few buckets (latency, where most have no calls) draws no visible line: mark its points. */
function sparse(values: (number | null)[]): boolean {
  return values.filter((v) => v !== null).length * 8 < values.length;
}

export const COLORS = ['#2457c5', '#cf4a22', '#1a7f37', '#8250df', '#bf8700', '#0a7d8c'];

export function Chart({ title, x, series, format, bars = false }: {
  title: string;
  /** Epoch ms. */
  x: number[];
  series: Series[];
  format: (v: number) => string;
  bars?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 300,
      height: 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      // From zero, and a visible range when every value is zero.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 64 }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: `${s.color}22`,
          width: 1.5,
          // Latencies are missing where a bucket has no calls: join the points around the gap.
          spanGaps: true,
          points: { show: sparse(s.values), size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          ...(bars ? { paths: uPlot.paths.bars?.({ size: [0.7, 40] }), points: { show: false } } : {}),
        })),
      ],
    };
    const plot = new uPlot(opts, [x.map((t) => t / 1000), ...series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title} over time`} />
    </figure>
  );
}
