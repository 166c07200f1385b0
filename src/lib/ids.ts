import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** The same 62 characters in byte order, so that encoded numbers sort as text. */
const ORDERED = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Crypto randomness drawn 4 KiB at a time: one randomBytes call per id cost
// about a tenth of batch ingest (docs/benchmarks.md). Still unpredictable.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let used = 0;

function randomByte(): number {
  if (used === POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    used = 0;
  }
  return pool[used++] as number;
}

/** A random string over [a-zA-Z0-9]; rejection sampling keeps it unbiased. */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    // 248 = 62 * 4: bytes at or above it would favour the first letters.
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}

/** Identifiers for stored records: a readable prefix and 24 random characters. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(24)}`;
}

/**
 * Like `newId` (a prefix and 24 characters of [0-9A-Za-z]), but the first 8
 * encode `nowMs` in base 62 and the last 16 are random (95 bits). Ids made
 * later sort later, so an index on them grows at its right edge instead of
 * touching a random page per insert: twice the span insert rate.
 */
export function timeOrderedId(prefix: string, nowMs: number): string {
  let t = Math.max(0, Math.floor(nowMs));
  let head = '';
  for (let i = 0; i < 8; i++) {
    head = ORDERED[t % 62] + head;
    t = Math.floor(t / 62);
  }
  return `${prefix}_${head}${randomToken(16)}`;
}
