/**
 * A sidecar's outbound HTTP route configurations (Istio's buildSidecarOutboundHTTPRouteConfig):
 * one per HTTP port, named by the port (`8080`), holding the port's virtual hosts sorted by name
 * and then the `allow_any`/`block_all` catch-all; ports are ignored in host matching (Istio sets
 * this even for proxyless gRPC, whose domains carry ports). A route
 * name of the form `HOST:PORT` (proxyless gRPC, sniffed listeners) yields just that host's
 * virtual host, answering to `*`. Pure.
 */
import type { RouteConfiguration, VirtualHost } from '../../api/envoy/route.js';
import { sidecarRouteName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { isHttpProtocol, parseProtocol } from '../../registry/protocol.js';
import type { Service, ServiceProtocol } from '../../registry/types.js';
import { catchAllVirtualHost } from './catch-all.js';
import { egressScope, headlessBinds, isHeadless, outboundRouteName, serviceBind } from './egress.js';
import { sidecarVirtualHosts } from './sidecar-vhosts.js';

/** Envoy's direct-response body limit as Istio raises it (1 MiB). */
export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

function byName(a: VirtualHost, b: VirtualHost): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export interface SidecarRouteOptions {
  /** As the listener compiler's option: UNKNOWN ports are sniffed (else they are TCP, with no route). */
  protocolSniffing?: boolean;
}

/**
 * The RDS names a sidecar's outbound listeners ask for (the listener compiler walks the same
 * egress scope): the port of every HTTP-family service port (or egress listener port declared
 * HTTP), and with sniffing, `PORT` or `HOST:PORT` for UNKNOWN ports as their listener binds.
 * Port names first in port order, then `HOST:PORT` names sorted.
 */
export function sidecarRouteNames(snapshot: Snapshot, proxy: Proxy, opts: SidecarRouteOptions = {}): string[] {
  const sniffing = opts.protocolSniffing ?? false;
  const ports = new Set<number>();
  const perHost = new Set<string>();
  const add = (service: Service, port: number, protocol: ServiceProtocol, bind: string): void => {
    if (isHttpProtocol(protocol)) ports.add(port);
    else if (sniffing && protocol === 'UNKNOWN') {
      const name = outboundRouteName(service.hostname, port, bind === '' ? serviceBind(service).bind : bind, true);
      if (name === sidecarRouteName(port)) ports.add(port);
      else perHost.add(name);
    }
  };
  for (const { listener, services, bind } of egressScope(snapshot, proxy)) {
    if (listener.port) {
      const protocol = parseProtocol(listener.port.protocol);
      for (const s of services) add(s, listener.port.number, protocol, bind);
      continue;
    }
    for (const s of services) {
      for (const sp of s.ports) {
        const sniffed = sniffing && sp.protocol === 'UNKNOWN';
        const binds = bind === '' && sniffed && isHeadless(s) ? headlessBinds(snapshot, proxy, s, sp.port) : [bind];
        for (const b of binds) add(s, sp.port, sp.protocol, b);
      }
    }
  }
  return [...[...ports].sort((a, b) => a - b).map(sidecarRouteName), ...[...perHost].sort()];
}

function emptyRoute(name: string): RouteConfiguration {
  return { name, virtualHosts: [], validateClusters: false };
}

/** The route configuration named `routeName` for a sidecar. */
export function sidecarRouteConfig(snapshot: Snapshot, proxy: Proxy, routeName: string): RouteConfiguration {
  const grpc = proxy.generator === 'grpc';
  const colon = routeName.lastIndexOf(':');
  const sniffed = colon !== -1;
  const portText = sniffed ? routeName.slice(colon + 1) : routeName;
  if (!/^\d+$/.test(portText)) return emptyRoute(routeName);
  const port = Number(portText);
  let vhosts = sidecarVirtualHosts(snapshot, proxy, port, grpc).sort(byName);
  if (sniffed) {
    const host = routeName.slice(0, colon);
    vhosts = vhosts.filter((v) => v.domains.includes(routeName) || v.domains.includes(host));
    if (vhosts.length === 1) vhosts = [{ ...vhosts[0]!, domains: ['*'] }];
  } else {
    vhosts.push(catchAllVirtualHost(snapshot.sidecarScope(proxy).outboundTrafficPolicy));
  }
  const out: RouteConfiguration = {
    name: routeName,
    virtualHosts: vhosts,
    validateClusters: false,
    maxDirectResponseBodySizeBytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
    ignorePortInHostMatching: true,
  };
  return out;
}
