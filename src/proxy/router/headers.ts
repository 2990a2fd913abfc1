/**
 * Header operations of the route configuration, virtual host, route and weighted cluster
 * (`requestHeadersToAdd/Remove`, `responseHeadersToAdd/Remove`), applied in Envoy's order
 * (the most specific level last, so it wins), with each HeaderValueOption's appendAction, and the
 * hop-by-hop headers a proxy must not forward. Operates on plain lower-cased header records.
 */
import type { HeaderValueOption } from '../../api/envoy/common.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface HeaderOps {
  add?: readonly HeaderValueOption[];
  remove?: readonly string[];
}

export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-authenticate',
]);

/** HOP_BY_HOP.has(name), per header field on the data path: compares, no hashing. */
export function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2: return name === 'te';
    case 7: return name === 'upgrade' || name === 'trailer';
    case 10: return name === 'connection' || name === 'keep-alive';
    case 16: return name === 'proxy-connection';
    case 17: return name === 'transfer-encoding';
    case 18: return name === 'proxy-authenticate';
    case 19: return name === 'proxy-authorization';
    default: return false;
  }
}

/**
 * The field names a Connection header lists (RFC 9110 §7.6.1), lower case, leaving out those
 * already hop-by-hop; undefined when that leaves none (`keep-alive`, the usual value).
 */
export function connectionListed(value: string | undefined, into?: string[]): string[] | undefined {
  if (!value) return into;
  if (value.indexOf(',') < 0) return listedName(value, into);
  let out = into;
  for (const t of value.split(',')) out = listedName(t, out);
  return out;
}

function listedName(token: string, into: string[] | undefined): string[] | undefined {
  const name = token.trim().toLowerCase();
  if (!name || isHopByHop(name)) return into;
  (into ??= []).push(name);
  return into;
}

export function applyHeaderOps(h: Headers, levels: readonly HeaderOps[]): void {
  for (const l of levels) {
    for (const r of l.remove ?? []) delete h[r.toLowerCase()];
    for (const o of l.add ?? []) {
      const k = o.header.key.toLowerCase();
      const v = o.header.value ?? '';
      if (v === '' && !o.keepEmptyValue) continue;
      const cur = h[k];
      switch (o.appendAction ?? 'APPEND_IF_EXISTS_OR_ADD') {
        case 'APPEND_IF_EXISTS_OR_ADD':
          h[k] = cur === undefined ? v : [...(Array.isArray(cur) ? cur : [cur]), v];
          break;
        case 'ADD_IF_ABSENT':
          if (cur === undefined) h[k] = v;
          break;
        case 'OVERWRITE_IF_EXISTS_OR_ADD':
          h[k] = v;
          break;
        case 'OVERWRITE_IF_EXISTS':
          if (cur !== undefined) h[k] = v;
          break;
      }
    }
  }
}
