/** Tiny guards for narrowing upstream JSON from `unknown` without casts. */

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function rec(v: unknown): JsonRecord {
  return isRecord(v) ? v : {};
}

/** Parses tool-call arguments; models sometimes emit broken JSON, which becomes `{}`. */
export function parseArgs(s: string): JsonRecord {
  try {
    const v: unknown = JSON.parse(s);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}

export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
