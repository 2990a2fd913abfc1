/**
 * The HTTP filters Trellis implements, by Envoy name, and the chain of one HTTP connection
 * manager built once from its `httpFilters` list (the router, always last there, is not a
 * filter here: the server runs router/forward.ts after the chain). Unknown filters are skipped
 * and reported once.
 */
import type { HttpConnectionManager } from '../../api/envoy/listener.js';
import { corsFilter } from './cors/filter.js';
import { faultFilter } from './fault/filter.js';
import type { HttpFilter } from './types.js';

export const FILTERS: ReadonlyMap<string, HttpFilter> = new Map([
  [faultFilter.name, faultFilter],
  [corsFilter.name, corsFilter],
]);

const ROUTER = 'envoy.filters.http.router';
const chains = new WeakMap<HttpConnectionManager, HttpFilter[]>();
const reported = new Set<string>();

export function filterChainFor(hcm: HttpConnectionManager, log?: (line: string) => void): HttpFilter[] {
  let c = chains.get(hcm);
  if (!c) {
    c = [];
    for (const f of hcm.httpFilters ?? []) {
      if (f.name === ROUTER) break;
      const impl = FILTERS.get(f.name);
      if (impl) c.push(impl);
      else if (!reported.has(f.name)) {
        reported.add(f.name);
        log?.(`http filter ${f.name} is not implemented; skipped`);
      }
    }
    chains.set(hcm, c);
  }
  return c;
}
