/**
 * The VirtualService index: by gateway (`mesh` or `ns/name`, see gateway-names.ts) and by exportTo
 * scope, in Istio's order (input order stands in for creation time). Also the hosts a
 * VirtualService serves and the destinations it depends on, with short names resolved in the
 * VirtualService's namespace as Istio does.
 */
import type { VirtualServiceSpec } from '../api/istio/virtual-service.js';
import { exportScopes, toFqdn, visibleFrom } from '../common/hosts.js';
import { virtualServiceGateways } from './gateway-names.js';
import type { ConfigObject } from './types.js';

type VS = ConfigObject<VirtualServiceSpec>;

/** The VirtualService's hosts, short names expanded in its namespace. */
export function virtualServiceHosts(vs: VS): string[] {
  return (vs.spec.hosts ?? []).map((h) => toFqdn(h, vs.namespace));
}

/** Every destination host (routes, mirrors; HTTP, TLS, TCP), expanded in the VS namespace. */
export function virtualServiceDestinations(vs: VS): string[] {
  const out = new Set<string>();
  const add = (h: string | null | undefined) => { if (h) out.add(toFqdn(h, vs.namespace)); };
  for (const r of vs.spec.http ?? []) {
    for (const d of r?.route ?? []) add(d?.destination?.host);
    add(r?.mirror?.host);
    for (const m of r?.mirrors ?? []) add(m?.destination?.host);
  }
  for (const r of [...(vs.spec.tls ?? []), ...(vs.spec.tcp ?? [])]) {
    for (const d of r?.route ?? []) add(d?.destination?.host);
  }
  return [...out];
}

export function virtualServiceVisibleFrom(vs: VS, ns: string): boolean {
  return visibleFrom(exportScopes(vs.spec.exportTo, vs.namespace), ns);
}

/**
 * Istio's virtualServiceIndex: per gateway, the VirtualServices private to a namespace (exportTo
 * only their own), those exported to named namespaces, and the public ones (`*`, the default).
 * A namespace sees its private ones, then those exported to it, then the public ones; each group
 * in input order (Istio's creation order).
 */
export class VirtualServiceIndex {
  private readonly privateByNs = new Map<string, VS[]>();
  private readonly exportedToNs = new Map<string, VS[]>();
  private readonly publicByGw = new Map<string, VS[]>();

  constructor(readonly all: readonly VS[]) {
    const push = (m: Map<string, VS[]>, k: string, vs: VS) => {
      const list = m.get(k);
      // A repeat can only come from the same VirtualService (two gateway names or scopes giving one
      // key), so it is the last entry: checking that, not the whole list, keeps this linear.
      if (list) { if (list[list.length - 1] !== vs) list.push(vs); } else m.set(k, [vs]);
    };
    for (const vs of all) {
      const scopes = exportScopes(vs.spec.exportTo, vs.namespace);
      for (const gw of virtualServiceGateways(vs.spec, vs.namespace)) {
        if (scopes.includes('*')) push(this.publicByGw, gw, vs);
        else if (scopes.length === 1 && scopes[0] === vs.namespace) push(this.privateByNs, `${vs.namespace}|${gw}`, vs);
        else for (const ns of scopes) push(this.exportedToNs, `${ns}|${gw}`, vs);
      }
    }
  }

  /** VirtualServices bound to `gateway` and exported to `fromNamespace`, in Istio's order. */
  forGateway(gateway: string, fromNamespace: string): VS[] {
    const out = [
      ...(this.privateByNs.get(`${fromNamespace}|${gateway}`) ?? []),
      ...(this.exportedToNs.get(`${fromNamespace}|${gateway}`) ?? []),
      ...(this.publicByGw.get(gateway) ?? []),
    ];
    return [...new Set(out)];
  }
}
