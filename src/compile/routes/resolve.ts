/**
 * A VirtualService with Istio's name resolution applied (ResolveVirtualServiceShortnames): hosts
 * and destination/mirror hosts made fully qualified against the VirtualService's namespace,
 * gateway references made `ns/name`. Returns a resolved copy; never mutates the snapshot's object.
 */
import type { ConfigObject } from '../../model/types.js';
import type { Destination, VirtualServiceSpec } from '../../api/istio/virtual-service.js';
import { resolveGatewayName, resolveShortname } from './hosts.js';

export type VirtualService = ConfigObject<VirtualServiceSpec>;

const cache = new WeakMap<VirtualService, VirtualService>();

function resolveDestination(d: Destination | null | undefined, ns: string): Destination | null | undefined {
  if (!d || typeof d.host !== 'string') return d;
  return { ...d, host: resolveShortname(d.host, ns) };
}

function resolveGateways(gws: string[] | null | undefined, ns: string): string[] | null | undefined {
  return gws ? gws.map((g) => resolveGatewayName(g, ns)) : gws;
}

interface AnyRoute {
  match?: ({ gateways?: string[] | null } | null)[] | null;
  route?: ({ destination?: Destination | null } | null)[] | null;
}

/** An HTTP, TCP or TLS route with its match gateways and destination hosts resolved. */
function resolveRoute<R extends AnyRoute>(r: R, ns: string): R {
  return {
    ...r,
    match: r.match?.map((m) => (m ? { ...m, gateways: resolveGateways(m.gateways, ns) } : m)),
    route: r.route?.map((d) => (d ? { ...d, destination: resolveDestination(d.destination, ns) } : d)),
  };
}

/** The VirtualService with every name resolved (memoised per object). */
export function resolveVirtualService(vs: VirtualService): VirtualService {
  const hit = cache.get(vs);
  if (hit) return hit;
  const ns = vs.namespace;
  const s = vs.spec;
  const spec: VirtualServiceSpec = {
    ...s,
    hosts: s.hosts?.map((h) => resolveShortname(h, ns)),
    gateways: resolveGateways(s.gateways, ns),
    http: s.http?.map((r) =>
      r
        ? {
            ...resolveRoute(r, ns),
            mirror: resolveDestination(r.mirror, ns),
            mirrors: r.mirrors?.map((m) => (m ? { ...m, destination: resolveDestination(m.destination, ns) } : m)),
          }
        : r,
    ),
    tcp: s.tcp?.map((r) => (r ? resolveRoute(r, ns) : r)),
    tls: s.tls?.map((r) => (r ? resolveRoute(r, ns) : r)),
  };
  const out: VirtualService = { ...vs, spec };
  cache.set(vs, out);
  return out;
}
