/**
 * Registry endpoints → Envoy `LocalityLbEndpoints`, as Istio's endpoint builder shapes them:
 * grouped by locality (`region/zone/subzone`, sorted by label), each locality weighted by the sum
 * of its endpoints' weights, endpoint weight defaulting to 1, health as HEALTHY/UNHEALTHY, and the
 * `tlsMode` / workload metadata Istio attaches. Used for EDS and for the inline load assignment of
 * STATIC and DNS clusters. Pure; it does not decide which endpoints belong to a cluster beyond the
 * subset-label filter it is given.
 */
import { isIP } from 'node:net';
import type { Address, Locality, Metadata } from '../../api/envoy/common.js';
import type { LbEndpoint, LocalityLbEndpoints } from '../../api/envoy/endpoint.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Endpoint } from '../../registry/types.js';

/** Istio's `util.ConvertLocality`: `region/zone/subzone`, missing parts left out. */
export function parseLocality(label: string): Locality {
  if (label === '') return {};
  const [region, zone, subZone] = label.split('/');
  const out: Locality = {};
  if (region) out.region = region;
  if (zone) out.zone = zone;
  if (subZone) out.subZone = subZone;
  return out;
}

/**
 * The proxy's locality (locality-aware load balancing is relative to it): `proxy.locality` when
 * resolved (model/proxy.ts), else the locality of the workload at its address.
 */
export function proxyLocality(snapshot: Snapshot, proxy: Proxy): Locality {
  return parseLocality(proxy.locality ?? snapshot.workloadByAddress(proxy.ip)?.locality ?? '');
}

/** An endpoint address as Envoy wants it: `unix://path` as a pipe, anything else a socket address. */
export function endpointAddress(address: string, port: number): Address {
  if (address.startsWith('unix://')) return { pipe: { path: address.slice('unix://'.length) } };
  return { socketAddress: { address, portValue: port } };
}

/** Whether EDS may carry this endpoint: an IP or a unix socket (Istio drops hostnames from EDS). */
export function isEdsAddress(address: string): boolean {
  return isIP(address) !== 0 || address.startsWith('unix://');
}

function endpointMetadata(ep: Endpoint): Metadata | undefined {
  const filterMetadata: Record<string, Record<string, unknown>> = {};
  if (ep.sidecar) filterMetadata['envoy.transport_socket_match'] = { tlsMode: 'istio' };
  if (ep.workload) {
    const name = ep.labels['service.istio.io/canonical-name'] ?? ep.labels['app'] ?? ep.workload.name;
    const rev = ep.labels['service.istio.io/canonical-revision'] ?? ep.labels['version'] ?? 'latest';
    filterMetadata['istio'] = { workload: `${ep.workload.name};${ep.workload.namespace};${name};${rev};Kubernetes` };
  }
  return Object.keys(filterMetadata).length > 0 ? { filterMetadata } : undefined;
}

export function lbEndpoint(ep: Endpoint): LbEndpoint {
  const out: LbEndpoint = {
    endpoint: { address: endpointAddress(ep.address, ep.port) },
    healthStatus: ep.healthy ? 'HEALTHY' : 'UNHEALTHY',
    loadBalancingWeight: ep.weight > 0 ? ep.weight : 1,
  };
  const md = endpointMetadata(ep);
  if (md) out.metadata = md;
  return out;
}

/** A locality group together with the registry endpoints it came from (failoverPriority needs their labels). */
export interface LocalityGroup {
  label: string;
  group: LocalityLbEndpoints;
  sources: Endpoint[];
}

/** Groups endpoints by locality in Istio's order (locality labels sorted; endpoints in input order). */
export function groupByLocality(eps: readonly Endpoint[]): LocalityGroup[] {
  const byLabel = new Map<string, LocalityGroup>();
  for (const ep of eps) {
    let g = byLabel.get(ep.locality);
    if (!g) {
      g = { label: ep.locality, group: { locality: parseLocality(ep.locality), lbEndpoints: [] }, sources: [] };
      byLabel.set(ep.locality, g);
    }
    g.group.lbEndpoints.push(lbEndpoint(ep));
    g.sources.push(ep);
  }
  const groups = [...byLabel.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  for (const g of groups) {
    g.group.loadBalancingWeight = Math.min(
      0xffffffff,
      g.group.lbEndpoints.reduce((sum, e) => sum + (e.loadBalancingWeight ?? 1), 0),
    );
  }
  return groups;
}
