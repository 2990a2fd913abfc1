/**
 * The TCP and TLS filter chains of a sidecar's outbound listener for one service port (Istio's
 * buildSidecarOutboundTCPListenerOpts in listener.go and tls.go): TLS ports get one chain per
 * distinct SNI match of the mesh-bound TLS VirtualService routes (else one chain to the service's
 * cluster, SNI-matched only when the listener is on 0.0.0.0); TCP ports take the first matching
 * TCP route (destinationSubnets becoming CIDR matches), else the service's own cluster.
 */
import type { TCPRoute, TLSRoute } from '../../api/istio/virtual-service.js';
import { outboundCluster } from '../../api/names.js';
import { hostsMatch } from '../../common/hosts.js';
import { MESH_GATEWAY } from '../../model/gateway-names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Service, ServiceProtocol } from '../../registry/types.js';
import { l4MatchApplies } from '../routes/l4.js';
import { resolveVirtualService, type VirtualService } from '../routes/resolve.js';
import type { FilterChainOpts } from './chain.js';
import { routeNetworkFilters, singleDestinationFilters } from './tcp-proxy.js';
import { WILDCARD_ADDRESS } from './virtual-outbound.js';

export const MESH_GATEWAYS: ReadonlySet<string> = new Set([MESH_GATEWAY]);

export function isTlsProtocol(p: ServiceProtocol): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

/**
 * VirtualServices for `mesh` visible from the proxy whose hosts overlap the service's
 * (getConfigsForHost), with their names resolved.
 */
export function meshVirtualServicesFor(snapshot: Snapshot, proxy: Proxy, hostname: string): VirtualService[] {
  return snapshot
    .virtualServicesFor(MESH_GATEWAY, proxy.namespace)
    .map(resolveVirtualService)
    .filter((vs) => (vs.spec.hosts ?? []).some((h) => hostsMatch(h, hostname)));
}

export interface OutboundL4Input {
  snapshot: Snapshot;
  proxy: Proxy;
  service: Service;
  /** The listener's port and protocol (the service port, or the Sidecar egress port). */
  port: number;
  protocol: ServiceProtocol;
  /** Listener address ('' when not yet chosen) and CIDR when the service address is a range. */
  bind: string;
  cidr?: string;
}

function defaultPort(service: Service, listenerPort: number): number {
  return service.ports.length === 1 ? service.ports[0]!.port : listenerPort;
}

function tlsChains(input: OutboundL4Input, configs: readonly VirtualService[]): FilterChainOpts[] {
  const { snapshot, proxy, service, port } = input;
  let cidrs = input.cidr ? [input.cidr] : [];
  const seen = new Set<string>();
  const out: FilterChainOpts[] = [];
  for (const vs of configs) {
    for (const tls of (vs.spec.tls ?? []) as (TLSRoute | null)[]) {
      for (const m of tls?.match ?? []) {
        if (!m || !l4MatchApplies(m, proxy, port, MESH_GATEWAYS)) continue;
        if (m.destinationSubnets && m.destinationSubnets.length > 0 && port > 0) cidrs = m.destinationSubnets;
        const key = `${(m.sniHosts ?? []).join(',')}|${(m.destinationSubnets ?? []).join(',')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          sniHosts: m.sniHosts ?? [],
          destinationCidrs: cidrs,
          filters: routeNetworkFilters(snapshot, proxy, tls?.route ?? [], port, vs),
        });
      }
    }
  }
  if (out.length > 0) return out;
  const cluster = outboundCluster(service.hostname, defaultPort(service, port));
  const address = service.addresses[0] ?? '';
  const vip = address.includes('/') ? '' : address;
  const sni = cidrs.length > 0 || vip === '' || (vip === WILDCARD_ADDRESS && input.bind === WILDCARD_ADDRESS);
  return [{
    sniHosts: sni ? [service.hostname] : [],
    destinationCidrs: cidrs,
    filters: singleDestinationFilters(snapshot, proxy, cluster, service.hostname, ''),
  }];
}

function tcpChains(input: OutboundL4Input, configs: readonly VirtualService[]): FilterChainOpts[] {
  const { snapshot, proxy, service, port } = input;
  const cidrs = input.cidr ? [input.cidr] : [];
  const out: FilterChainOpts[] = [];
  let defaultAdded = false;
  outer: for (const vs of configs) {
    for (const tcp of (vs.spec.tcp ?? []) as (TCPRoute | null)[]) {
      if (!tcp) continue;
      const matches = tcp.match ?? [];
      if (matches.length === 0) {
        out.push({ destinationCidrs: cidrs, filters: routeNetworkFilters(snapshot, proxy, tcp.route ?? [], port, vs) });
        defaultAdded = true;
        break outer;
      }
      const subnets: string[] = [];
      for (const m of matches) {
        if (!l4MatchApplies(m, proxy, port, MESH_GATEWAYS)) continue;
        if (!m?.destinationSubnets || m.destinationSubnets.length === 0 || port === 0) {
          out.push({ destinationCidrs: cidrs, filters: routeNetworkFilters(snapshot, proxy, tcp.route ?? [], port, vs) });
          defaultAdded = true;
          break outer;
        }
        subnets.push(...m.destinationSubnets);
      }
      if (subnets.length > 0) {
        out.push({ destinationCidrs: subnets, filters: routeNetworkFilters(snapshot, proxy, tcp.route ?? [], port, vs) });
        if ([...subnets].sort().join(',') === [...cidrs].sort().join(',')) defaultAdded = true;
      }
    }
  }
  if (!defaultAdded) {
    const cluster = outboundCluster(service.hostname, defaultPort(service, port));
    out.push({ destinationCidrs: cidrs, filters: singleDestinationFilters(snapshot, proxy, cluster, service.hostname, '') });
  }
  return out;
}

/** TLS chains for HTTPS/TLS ports, TCP chains for the rest (Istio builds both lists; one is empty). */
export function outboundL4Chains(input: OutboundL4Input): FilterChainOpts[] {
  const configs = meshVirtualServicesFor(input.snapshot, input.proxy, input.service.hostname);
  return isTlsProtocol(input.protocol) ? tlsChains(input, configs) : tcpChains(input, configs);
}
