/**
 * Which outbound clusters a proxy gets, before any Envoy shaping: for every visible service and
 * every non-UDP port, the default cluster `outbound|PORT||HOST` and one per DestinationRule
 * subset, each with its discovery type (Istio's `convertResolution`, then PASSTHROUGH load
 * balancing turning it into ORIGINAL_DST) and its traffic policy merged for that port and subset;
 * and, for gateways with an AUTO_PASSTHROUGH server, the same again named `outbound_.PORT_.SUBSET_.HOST`
 * (SNI-DNAT). Shared by the cluster compiler and the endpoint compiler so CDS and EDS always agree.
 */
import type { DiscoveryType } from '../../api/envoy/cluster.js';
import type { Subset } from '../../api/istio/destination-rule.js';
import { outboundCluster, sniDnatClusterName } from '../../api/names.js';
import type { EffectiveDestinationRule, Proxy, Snapshot } from '../../model/types.js';
import { selects } from '../../common/hosts.js';
import type { Endpoint, Service, ServicePort } from '../../registry/types.js';
import { mergeSubsetPolicy, policyForPort, type PortPolicy } from './policy.js';

export interface OutboundPlan {
  name: string;
  service: Service;
  port: ServicePort;
  /** The subset, for subset clusters. */
  subset?: Subset & { name: string };
  /** Discovery type after the traffic policy (PASSTHROUGH load balancing → ORIGINAL_DST). */
  type: DiscoveryType;
  /** Traffic policy for this port (and subset), merged as Istio merges it. */
  policy?: PortPolicy;
  rule?: EffectiveDestinationRule;
  /**
   * An SNI-DNAT cluster of an AUTO_PASSTHROUGH gateway (`outbound_.PORT_.SUBSET_.HOST`, Istio's
   * SniDnatClusterMode): shaped like the outbound cluster, but with no upstream TLS, since the
   * gateway forwards the client's own mTLS connection.
   */
  sniDnat?: boolean;
}

/** How a plan's cluster is named: Istio's outbound `|` form, or the SNI-DNAT `_.` form. */
type Naming = (hostname: string, port: number, subset?: string) => string;

/** Istio's `convertResolution`: gateways cannot use ORIGINAL_DST, so they fall back to EDS. */
export function discoveryType(proxy: Proxy, service: Service): DiscoveryType {
  switch (service.resolution) {
    case 'CLIENT_SIDE_LB': return 'EDS';
    case 'DNS': return 'STRICT_DNS';
    case 'DNS_ROUND_ROBIN': return 'LOGICAL_DNS';
    case 'PASSTHROUGH': return proxy.type === 'router' ? 'EDS' : 'ORIGINAL_DST';
    default: return 'EDS';
  }
}

function isPassthroughLb(policy: PortPolicy | undefined): boolean {
  return policy?.loadBalancer?.simple === 'PASSTHROUGH';
}

/** The clusters of one service port: the default one first, then subsets in rule order. */
export function plansForPort(
  proxy: Proxy, service: Service, port: ServicePort, rule: EffectiveDestinationRule | undefined, sniDnat = false,
): OutboundPlan[] {
  const name: Naming = sniDnat ? sniDnatClusterName : outboundCluster;
  const mode = sniDnat ? { sniDnat: true } : {};
  const base = discoveryType(proxy, service);
  const topPolicy = policyForPort(rule?.trafficPolicy, port.port).policy;
  const defaultType: DiscoveryType = isPassthroughLb(topPolicy) ? 'ORIGINAL_DST' : base;
  const out: OutboundPlan[] = [{
    name: name(service.hostname, port.port),
    service, port, type: defaultType, ...(topPolicy ? { policy: topPolicy } : {}), ...(rule ? { rule } : {}), ...mode,
  }];
  if (!rule) return out;
  const seen = new Set<string>();
  for (const subset of rule.subsets) {
    if (!subset?.name || seen.has(subset.name)) continue;
    seen.add(subset.name);
    const policy = mergeSubsetPolicy(rule.trafficPolicy, subset.trafficPolicy, port.port);
    const ownPassthrough = subset.trafficPolicy?.loadBalancer?.simple === 'PASSTHROUGH';
    const type: DiscoveryType = ownPassthrough || isPassthroughLb(policy) ? 'ORIGINAL_DST' : defaultType;
    out.push({
      name: name(service.hostname, port.port, subset.name),
      service, port, subset: { ...subset, name: subset.name }, type, ...(policy ? { policy } : {}), rule, ...mode,
    });
  }
  return out;
}

function plansFor(snapshot: Snapshot, proxy: Proxy, sniDnat: boolean): OutboundPlan[] {
  const out: OutboundPlan[] = [];
  for (const service of snapshot.visibleServices(proxy)) {
    if (sniDnat && service.meshExternal) continue;
    const rule = snapshot.destinationRule(service.hostname, proxy);
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      out.push(...plansForPort(proxy, service, port, rule, sniDnat));
    }
  }
  return out;
}

/** Every outbound cluster plan for a proxy, in Istio's order (services, ports, default then subsets). */
export function outboundPlans(snapshot: Snapshot, proxy: Proxy): OutboundPlan[] {
  return plansFor(snapshot, proxy, false);
}

/** Whether a gateway proxy has an AUTO_PASSTHROUGH server (Istio's ContainsAutoPassthroughGateways). */
export function hasAutoPassthrough(snapshot: Snapshot, proxy: Proxy): boolean {
  return proxy.type === 'router' && snapshot.gatewayServers(proxy).some((gs) => gs.server.tls?.mode === 'AUTO_PASSTHROUGH');
}

/**
 * Istio's `buildOutboundSniDnatClusters`: for a gateway with an AUTO_PASSTHROUGH server, the
 * SNI-DNAT twin of every outbound cluster of an in-mesh service (mesh-external services and UDP
 * ports skipped), subsets included; empty for every other proxy.
 */
export function sniDnatPlans(snapshot: Snapshot, proxy: Proxy): OutboundPlan[] {
  return hasAutoPassthrough(snapshot, proxy) ? plansFor(snapshot, proxy, true) : [];
}

/** Every service cluster plan of a proxy: outbound, then SNI-DNAT (the EDS compiler serves both). */
export function clusterPlans(snapshot: Snapshot, proxy: Proxy): OutboundPlan[] {
  return [...outboundPlans(snapshot, proxy), ...sniDnatPlans(snapshot, proxy)];
}

/** The registry endpoints a plan's cluster balances over: the service port's, filtered by the subset's labels. */
export function planEndpoints(snapshot: Snapshot, plan: OutboundPlan): Endpoint[] {
  return snapshot.endpoints(plan.service.hostname, plan.service.namespace, plan.port.port)
    .filter((ep) => selects(plan.subset?.labels, ep.labels));
}
