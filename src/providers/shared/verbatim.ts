/**
 * The upstream's own JSON text of an object parsed from it, so that an answer
 * passed on unchanged is written as the upstream sent it instead of being
 * serialized again (re-serializing every streamed chunk was about 5% of the
 * main thread). Code that changes such an object in place must `forget` it
 * first; a copy has no text of its own.
 */
const texts = new WeakMap<object, string>();

/** Keeps `text` as the JSON of `obj` (parsed from it); returns `obj`. */
export function remember<T extends object>(obj: T, text: string): T {
  texts.set(obj, text);
  return obj;
}

/** The upstream's text of `obj`, if it still stands for it. */
export function verbatim(obj: object): string | undefined {
  return texts.get(obj);
}

export function forget(obj: object): void {
  texts.delete(obj);
}
