/**
 * PostgreSQL text and jsonb cannot hold NUL or half a surrogate pair (SQLite
 * can). Every value a PostgreSQL part is handed passes through here: such
 * characters become U+FFFD, in strings and object keys alike, so a record is
 * stored and a filter is compared the same way, and neither is a driver error.
 */

/** A NUL, or a lone surrogate. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function storableText(s: string): string {
  return UNSTORABLE.test(s) ? s.replaceAll('\u0000', '\uFFFD').toWellFormed() : s;
}

function needsFix(v: unknown): boolean {
  if (typeof v === 'string') return UNSTORABLE.test(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(needsFix);
  for (const [k, x] of Object.entries(v)) if (UNSTORABLE.test(k) || needsFix(x)) return true;
  return false;
}

function fix(v: unknown): unknown {
  if (typeof v === 'string') return storableText(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fix);
  // Records of the store are plain objects; anything else (a Date) is left as it is.
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), fix(x)]));
}

/** The value with every unstorable character replaced; the value itself when it has none. */
export function storable<T>(v: T): T {
  return needsFix(v) ? (fix(v) as T) : v;
}
