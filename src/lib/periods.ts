/**
 * Calendar periods and 15-minute usage buckets.
 *
 * Per-customer usage is kept in 15-minute buckets: every real timezone's
 * offset from UTC is a multiple of 15 minutes (UTC-9:30, UTC+5:45, ...), so a
 * local day, week, month or year always starts and ends on a bucket boundary
 * and a summary is exact without looking at spans.
 *
 * `timezone_offset` follows the reference: hours, UTC minus local time (PST,
 * UTC-8, is 8; India, UTC+5:30, is -5.5). So UTC = local + offset.
 *
 * A week runs Monday 00:00 to the next Monday 00:00 (ISO 8601), local time.
 */
import type { BudgetDuration } from '../schemas/customer.ts';

export const MINUTE_MS = 60_000;
export const BUCKET_MS = 15 * MINUTE_MS;
export const MINUTES_PER_BUCKET = BUCKET_MS / MINUTE_MS;
export const DAY_MS = 86_400_000;
export const BUCKETS_PER_DAY = DAY_MS / BUCKET_MS;

export type SummaryType = 'all' | 'daily' | 'weekly' | 'monthly' | 'yearly';
export type CalendarUnit = Exclude<SummaryType, 'all'>;

/** A half-open UTC range [start, end) in epoch ms. */
export interface Range {
  start: number;
  end: number;
}

/** The bucket (index since the epoch) that holds an instant. */
export function bucketOf(ms: number): number {
  return Math.floor(ms / BUCKET_MS);
}

/** The minute (index since the epoch) that holds an instant. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/** Offset hours -> milliseconds; it must be a whole number of 15-minute steps. */
export function offsetMs(offsetHours: number): number {
  return Math.round(offsetHours * 4) * BUCKET_MS;
}

export function isValidOffset(offsetHours: number): boolean {
  return Number.isFinite(offsetHours) && offsetHours >= -14 && offsetHours <= 14 && Number.isInteger(offsetHours * 4);
}

/** Local wall-clock fields, as if the local time were UTC (the "local epoch"). */
interface Civil {
  y: number;
  m: number; // 0-11
  d: number;
}

function civilOf(localMs: number): Civil {
  const dt = new Date(localMs);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth(), d: dt.getUTCDate() };
}

/** Local-epoch start of the calendar unit containing a local instant. */
function localUnitStart(unit: CalendarUnit, localMs: number): number {
  const c = civilOf(localMs);
  switch (unit) {
    case 'daily':
      return Date.UTC(c.y, c.m, c.d);
    case 'weekly': {
      const day = Date.UTC(c.y, c.m, c.d);
      const dow = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
      return day - dow * DAY_MS;
    }
    case 'monthly':
      return Date.UTC(c.y, c.m, 1);
    case 'yearly':
      return Date.UTC(c.y, 0, 1);
  }
}

function localUnitEnd(unit: CalendarUnit, localStart: number): number {
  const c = civilOf(localStart);
  switch (unit) {
    case 'daily':
      return localStart + DAY_MS;
    case 'weekly':
      return localStart + 7 * DAY_MS;
    case 'monthly':
      return Date.UTC(c.y, c.m + 1, 1);
    case 'yearly':
      return Date.UTC(c.y + 1, 0, 1);
  }
}

/**
 * The UTC range of the local day/week/month/year that contains `localMs`
 * (a wall-clock time in the "local epoch", i.e. parsed as if it were UTC).
 */
export function localPeriod(unit: CalendarUnit, localMs: number, offsetHours: number): Range {
  const start = localUnitStart(unit, localMs);
  const off = offsetMs(offsetHours);
  return { start: start + off, end: localUnitEnd(unit, start) + off };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses the `date` parameter into a local-epoch instant. A date without a
 * zone is local wall-clock time; one with a zone (`Z`, `+02:00`) is an
 * instant, converted to local time with the offset. Null when unparseable.
 */
export function parseLocalDate(text: string, offsetHours: number): number | null {
  const m = DATE_RE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo) - 1;
  const day = Number(d);
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const wall = Date.UTC(year, month, day, Number(hh ?? 0), Number(mi ?? 0), Number(ss ?? 0), ms);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month || check.getUTCDate() !== day) return null;
  if (Number(hh ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(ss ?? 0) > 59) return null;
  if (!zone) return wall;
  let zoneMs = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    zoneMs = sign * (Number(digits.slice(0, 2)) * 3_600_000 + Number(digits.slice(2)) * 60_000);
  }
  // wall - zone = the UTC instant; local = UTC - offset.
  return wall - zoneMs - offsetMs(offsetHours);
}

/** Parses `YYYY-MM-DD` (or an ISO timestamp) into UTC epoch ms; null when invalid. */
export function parseUtcDate(text: string): number | null {
  return parseLocalDate(text, 0);
}

function addMonthsClamped(anchor: number, months: number): number {
  const a = new Date(anchor);
  const y = a.getUTCFullYear();
  const m = a.getUTCMonth() + months;
  const timeOfDay = anchor - Date.UTC(y, a.getUTCMonth(), a.getUTCDate());
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(a.getUTCDate(), lastDay)) + timeOfDay;
}

function monthsPerStep(d: 'monthly' | 'yearly'): number {
  return d === 'monthly' ? 1 : 12;
}

/**
 * The budget period containing `now` (UTC). Without an anchor the calendar
 * period (UTC day, Monday-based week, month, year). With `anchor`
 * (customer_params.period_start) periods roll from it: daily and weekly in
 * fixed steps, monthly and yearly by calendar months from the anchor's day,
 * clamped to shorter months (an anchor on the 31st gives Feb 28/29). Before
 * the anchor, the first period is returned.
 */
export function budgetPeriod(duration: BudgetDuration, anchor: number | null, now: number): Range {
  if (anchor === null) return localPeriod(duration, now, 0);
  if (duration === 'daily' || duration === 'weekly') {
    const step = duration === 'daily' ? DAY_MS : 7 * DAY_MS;
    const k = Math.max(0, Math.floor((now - anchor) / step));
    return { start: anchor + k * step, end: anchor + (k + 1) * step };
  }
  const n = monthsPerStep(duration);
  const a = new Date(anchor);
  const t = new Date(now);
  // A first guess from calendar months, corrected by at most one step either way.
  const months = (t.getUTCFullYear() - a.getUTCFullYear()) * 12 + t.getUTCMonth() - a.getUTCMonth();
  let k = Math.max(0, Math.floor(months / n));
  while (k > 0 && addMonthsClamped(anchor, k * n) > now) k--;
  while (addMonthsClamped(anchor, (k + 1) * n) <= now) k++;
  return { start: addMonthsClamped(anchor, k * n), end: addMonthsClamped(anchor, (k + 1) * n) };
}

/** Django's duration format, as the reference serializes `active_duration`: `[D ]HH:MM:SS[.ffffff]`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const days = Math.floor(total / DAY_MS);
  let rest = total - days * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const micro = (rest - s * 1000) * 1000;
  const p2 = (n: number) => String(n).padStart(2, '0');
  let out = `${p2(h)}:${p2(m)}:${p2(s)}`;
  if (days) out = `${days} ${out}`;
  if (micro) out += `.${String(micro).padStart(6, '0')}`;
  return out;
}

/** `2024-06-07 17:35:34.452000+00:00`, the reference's `last_active_timeframe` layout. */
export function formatSpaced(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-06-07T17:35:34.452Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
}

/** `2024-06-07T17:35:34.452000Z`, the reference's `first_seen` layout. */
export function formatIsoMicros(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}000Z`;
}
