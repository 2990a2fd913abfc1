/**
 * Which outbound clusters a proxy gets, before any Envoy shaping: for every visible service and
 * every non-UDP port, the default cluster `outbound|PORT||HOST` and one per DestinationRule
 * subset, each with its discovery type (Istio's `convertResolution`, then PASSTHROUGH load
 * balancing turning it into ORIGINAL_DST) and its traffic policy merged for that port and subset.
 * Shared by the cluster compiler and the endpoint compiler so CDS and EDS always agree.
 */
import type { DiscoveryType } from '../../api/envoy/cluster.js';
import type { Subset } from '../../api/istio/destination-rule.js';
import { outboundCluster } from '../../api/names.js';
import type { EffectiveDestinationRule, Proxy, Snapshot } from '../../model/types.js';
import type { Service, ServicePort } from '../../registry/types.js';
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
}

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
export function plansForPort(proxy: Proxy, service: Service, port: ServicePort, rule: EffectiveDestinationRule | undefined): OutboundPlan[] {
  const base = discoveryType(proxy, service);
  const topPolicy = policyForPort(rule?.trafficPolicy, port.port).policy;
  const defaultType: DiscoveryType = isPassthroughLb(topPolicy) ? 'ORIGINAL_DST' : base;
  const out: OutboundPlan[] = [{
    name: outboundCluster(service.hostname, port.port),
    service, port, type: defaultType, ...(topPolicy ? { policy: topPolicy } : {}), ...(rule ? { rule } : {}),
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
      name: outboundCluster(service.hostname, port.port, subset.name),
      service, port, subset: { ...subset, name: subset.name }, type, ...(policy ? { policy } : {}), rule,
    });
  }
  return out;
}

/** Every outbound cluster plan for a proxy, in Istio's order (services, ports, default then subsets). */
export function outboundPlans(snapshot: Snapshot, proxy: Proxy): OutboundPlan[] {
  const out: OutboundPlan[] = [];
  for (const service of snapshot.visibleServices(proxy)) {
    const rule = snapshot.destinationRule(service.hostname, proxy);
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      out.push(...plansForPort(proxy, service, port, rule));
    }
  }
  return out;
}
