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

const ALPHABET_CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const ORDERED_CODES = Array.from(ORDERED, (c) => c.charCodeAt(0));

/**
 * Character codes of an id being made, one reused array per length: the id is one
 * `String.fromCharCode` of it. Appending a character at a time made a string per character
 * (26 per span id), garbage for the collector on every request.
 */
const scratch = new Map<number, number[]>();
const MAX_SCRATCH = 64;

function codesOf(length: number): number[] {
  let codes = scratch.get(length);
  if (!codes) {
    codes = new Array<number>(length).fill(0);
    scratch.set(length, codes);
  }
  return codes;
}

/** Fills `codes` from `from` on with random [a-zA-Z0-9]; rejection sampling keeps it unbiased. */
function fillRandom(codes: number[], from: number): void {
  for (let i = from; i < codes.length; ) {
    const b = randomByte();
    // 248 = 62 * 4: bytes at or above it would favour the first letters.
    if (b < 248) codes[i++] = ALPHABET_CODES[b % 62] as number;
  }
}

/** A random string over [a-zA-Z0-9]. */
export function randomToken(length: number): string {
  // Only short lengths get a scratch array of their own (and `fromCharCode` a bounded argument list).
  if (length > MAX_SCRATCH) {
    let out = '';
    for (let left = length; left > 0; left -= MAX_SCRATCH) out += randomToken(Math.min(MAX_SCRATCH, left));
    return out;
  }
  const codes = codesOf(length);
  fillRandom(codes, 0);
  return String.fromCharCode.apply(null, codes);
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
  const codes = codesOf(24);
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 7; i >= 0; i--) {
    codes[i] = ORDERED_CODES[t % 62] as number;
    t = Math.floor(t / 62);
  }
  fillRandom(codes, 8);
  return `${prefix}_${String.fromCharCode.apply(null, codes)}`;
}
