/**
 * Envoy's virtual host selection by the request's Host (:authority), compiled once per route
 * configuration: exact domains first, then suffix wildcards (`*.foo.com`, `*-bar.foo.com`) longest
 * first, then prefix wildcards (`foo.*`) longest first, then `*`. Hosts compare case-insensitively;
 * a wildcard never matches an empty string; with `ignorePortInHostMatching` the port is removed
 * from the Host before matching. Pure.
 */
import type { VirtualHost } from '../../api/envoy/route.js';

export type DomainKind = 'exact' | 'suffix' | 'prefix' | 'any';

export interface DomainHit {
  virtualHost: VirtualHost;
  index: number;
  domain: string;
  kind: DomainKind;
}

interface Entry { vh: VirtualHost; index: number; domain: string; key: string; kind: DomainKind; hit: DomainHit }

export interface DomainTable {
  exact: Map<string, Entry>;
  suffix: Entry[];
  prefix: Entry[];
  any?: Entry;
  ignorePort: boolean;
}

function entry(vh: VirtualHost, index: number, domain: string, key: string, kind: DomainKind): Entry {
  // The hit is made once here: a lookup returns it without allocating.
  return { vh, index, domain, key, kind, hit: Object.freeze({ virtualHost: vh, index, domain, kind }) };
}

export function compileDomains(vhosts: readonly VirtualHost[], ignorePort: boolean): DomainTable {
  const t: DomainTable = { exact: new Map(), suffix: [], prefix: [], ignorePort };
  vhosts.forEach((vh, index) => {
    for (const domain of vh.domains) {
      const key = domain.toLowerCase();
      if (key === '*') t.any ??= entry(vh, index, domain, key, 'any');
      else if (key.startsWith('*')) t.suffix.push(entry(vh, index, domain, key.slice(1), 'suffix'));
      else if (key.endsWith('*')) t.prefix.push(entry(vh, index, domain, key.slice(0, -1), 'prefix'));
      else if (!t.exact.has(key)) t.exact.set(key, entry(vh, index, domain, key, 'exact'));
    }
  });
  // Longest first; the sort is stable, so equal lengths keep configuration order.
  t.suffix.sort((a, b) => b.key.length - a.key.length);
  t.prefix.sort((a, b) => b.key.length - a.key.length);
  return t;
}

/** Whether `s` from `from` on is one or more ASCII digits (per request: no regex). */
function allDigits(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The Host as matched: lower-cased, port removed under ignorePortInHostMatching. */
export function hostForMatching(authority: string, ignorePort: boolean): string {
  let h = authority.toLowerCase();
  if (ignorePort) {
    if (h.startsWith('[')) {
      const end = h.indexOf(']');
      if (end > 0) h = h.slice(0, end + 1);
    } else {
      const i = h.lastIndexOf(':');
      if (i >= 0 && h.indexOf(':') === i && allDigits(h, i + 1)) h = h.slice(0, i);
    }
  }
  return h;
}

export function selectVirtualHost(t: DomainTable, authority: string): DomainHit | undefined {
  const host = hostForMatching(authority, t.ignorePort);
  const exact = t.exact.get(host);
  if (exact !== undefined) return exact.hit;
  for (let i = 0; i < t.suffix.length; i++) {
    const e = t.suffix[i]!;
    if (host.length > e.key.length && host.endsWith(e.key)) return e.hit;
  }
  for (let i = 0; i < t.prefix.length; i++) {
    const e = t.prefix[i]!;
    if (host.length > e.key.length && host.startsWith(e.key)) return e.hit;
  }
  return t.any?.hit;
}
