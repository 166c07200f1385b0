/** Display formats shared by every view. */

const num = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const fmt = {
  int: (v: number | null | undefined) => (v === null || v === undefined ? '–' : num.format(v)),
  compact: (v: number | null | undefined) => (v === null || v === undefined ? '–' : compact.format(v)),
  usd(v: number | null | undefined): string {
    if (v === null || v === undefined) return '–';
    if (v === 0) return '$0';
    const abs = Math.abs(v);
    return `$${abs >= 100 ? v.toFixed(2) : abs >= 1 ? v.toFixed(3) : v.toPrecision(3)}`;
  },
  pct: (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 2 : 1)}%`),
  secs(v: number | null | undefined): string {
    if (v === null || v === undefined) return '–';
    return v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(v < 10 ? 2 : 1)} s`;
  },
  time: (v: string | number | null | undefined) => (v === null || v === undefined ? '–' : new Date(v).toLocaleString()),
  short: (v: string | number | null | undefined) =>
    v === null || v === undefined
      ? '–'
      : new Date(v).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }),
};

/** `<input type=datetime-local>` value of an instant, in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
