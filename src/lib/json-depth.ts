/**
 * Bounds the nesting of a JSON value without recursion, so that no depth a
 * client can send overflows the stack of whatever serializes it next (a span
 * write, an upstream call). Values nested deeper than the bound are replaced
 * by `cutMarker(max)`, a string that says what happened where it happened.
 */

export function cutMarker(max: number): string {
  return `[cut: nested deeper than ${max} levels]`;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return v !== null && typeof v === 'object';
}

/** Whether an array or object sits deeper than `max` levels (the value itself is level 1). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (!isContainer(value)) return false;
  // Recursion stops at level max + 1, so a shallow bound cannot overflow the stack whatever the value's
  // depth; it allocates nothing (this runs on every span's fields). A deep bound walks with a stack.
  return max <= RECURSION_LIMIT ? deeper(value, 1, max) : deeperIterative(value, max);
}

const RECURSION_LIMIT = 512;

function deeper(v: Record<string, unknown> | unknown[], depth: number, max: number): boolean {
  if (depth > max) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (isContainer(x) && deeper(x, depth + 1, max)) return true;
    }
    return false;
  }
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const x = v[k];
    if (isContainer(x) && deeper(x, depth + 1, max)) return true;
  }
  return false;
}

function deeperIterative(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (!isContainer(v)) continue;
    if (depth > max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (isContainer(x)) stack.push([x, depth + 1]);
  }
  return false;
}

interface Slot {
  from: unknown;
  into: Record<string, unknown> | unknown[];
  key: string | number;
  depth: number;
}

/** The value with every array or object deeper than `max` levels replaced by the marker; the value itself when none is. */
export function capDepth(value: unknown, max: number): { value: unknown; cut: boolean } {
  if (!nestsDeeperThan(value, max)) return { value, cut: false };
  const root: Record<string, unknown> = {};
  const marker = cutMarker(max);
  const stack: Slot[] = [{ from: value, into: root, key: 'value', depth: 1 }];
  while (stack.length > 0) {
    const { from, into, key, depth } = stack.pop() as Slot;
    let out: unknown = from;
    if (isContainer(from)) {
      if (depth > max) out = marker;
      else if (Array.isArray(from)) {
        const list: unknown[] = new Array(from.length);
        from.forEach((x, i) => stack.push({ from: x, into: list, key: i, depth: depth + 1 }));
        out = list;
      } else {
        const obj: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(from)) {
          // Keys are placed now, in their order, values filled as the stack unwinds; defined, not
          // assigned, so that a key named __proto__ stays a key.
          Object.defineProperty(obj, k, { value: undefined, writable: true, enumerable: true, configurable: true });
          stack.push({ from: x, into: obj, key: k, depth: depth + 1 });
        }
        out = obj;
      }
    }
    (into as Record<string | number, unknown>)[key] = out;
  }
  return { value: root.value, cut: true };
}

/**
 * About how many characters the value's JSON holds: string lengths plus a few
 * per key and per value. Walks the nodes (not the characters), without
 * recursion, so it costs little even for a megabyte string.
 */
export function approxJsonChars(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') n += v.length + 2;
    else if (!isContainer(v)) n += 8;
    else if (Array.isArray(v)) {
      n += 2;
      for (const x of v) stack.push(x);
    } else {
      n += 2;
      // for...in, not Object.entries: this runs on every span the writer queues.
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        n += k.length + 4;
        stack.push(v[k]);
      }
    }
  }
  return n;
}
