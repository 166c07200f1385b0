/**
 * Hash routing: `#/view/id?params`. The URL holds the view, the selected item
 * and every filter, so any screen can be bookmarked or shared.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  view: string;
  id: string | null;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const [view = '', ...rest] = path.split('/');
  const id = rest.length ? decodeURIComponent(rest.join('/')) : null;
  return { view: view || 'overview', id: id || null, params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function href(view: string, id: string | null = null, params?: URLSearchParams | Record<string, string>): string {
  const p = params instanceof URLSearchParams ? params : new URLSearchParams(params ?? {});
  const qs = p.toString();
  return `#/${view}${id === null ? '' : `/${encodeURIComponent(id)}`}${qs ? `?${qs}` : ''}`;
}

export function navigate(to: string): void {
  if (location.hash !== to) location.hash = to;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parseRoute(hash);
}

/** The current params with some changed (null or '' removes one). */
export function withParams(params: URLSearchParams, patch: Record<string, string | null>): URLSearchParams {
  const p = new URLSearchParams(params);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === '') p.delete(k);
    else p.set(k, v);
  }
  return p;
}
