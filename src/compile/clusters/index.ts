/**
 * The cluster compiler (CDS): (snapshot, proxy) → Envoy v3 Clusters, named and shaped as Istio's
 * pilot generates them. Sidecars: outbound clusters for every visible service port and subset,
 * BlackHoleCluster, PassthroughCluster, inbound clusters, InboundPassthroughCluster. Gateways
 * (router): outbound clusters and BlackHoleCluster, then, with an AUTO_PASSTHROUGH server, the
 * SNI-DNAT clusters `outbound_.PORT_.SUBSET_.HOST` (Istio's `buildOutboundSniDnatClusters`). Duplicate names keep the first (Istio's
 * `normalizeClusters`). Also exports `hashPolicyFor` for the route compiler. Pure.
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { proxyLocality } from '../endpoints/build.js';
import { inboundClusters } from './inbound.js';
import type { ProxyPlace } from './load-balancer.js';
import { buildOutboundCluster } from './outbound.js';
import { outboundPlans, sniDnatPlans, type OutboundPlan } from './plan.js';
import { blackHoleCluster, inboundPassthroughCluster, passthroughCluster } from './special.js';

export { hashPolicyFor, consistentHashFor, toHashPolicy } from './hash-policy.js';
export { clusterPlans, outboundPlans, sniDnatPlans, type OutboundPlan } from './plan.js';
export { mergeSubsetPolicy, policyForPort, type PortPolicy } from './policy.js';
export { applyConsistentHash } from './load-balancer.js';
export { serviceIdentities } from './outbound.js';

/** Where the proxy sits, for locality-aware load balancing. */
export function proxyPlace(snapshot: Snapshot, proxy: Proxy): ProxyPlace {
  return { locality: proxyLocality(snapshot, proxy), labels: proxy.labels };
}

export function compileClusters(snapshot: Snapshot, proxy: Proxy): Cluster[] {
  return unique([...outboundSideClusters(snapshot, proxy), ...inboundSideClusters(snapshot, proxy)]);
}

/**
 * The first part of `compileClusters`: outbound, BlackHole, SNI-DNAT and Passthrough clusters,
 * which depend on where the proxy sends traffic. The xDS server generates the two parts apart,
 * so that sidecars of one namespace share this one. Names never collide across the parts.
 */
export function outboundSideClusters(snapshot: Snapshot, proxy: Proxy): Cluster[] {
  const place = proxyPlace(snapshot, proxy);
  const out: Cluster[] = [];
  const build = (plans: readonly OutboundPlan[]): void => {
    for (const plan of plans) {
      const c = buildOutboundCluster(snapshot, proxy, plan, place);
      if (c) out.push(c);
    }
  };
  build(outboundPlans(snapshot, proxy));
  out.push(blackHoleCluster());
  build(sniDnatPlans(snapshot, proxy));
  if (proxy.type === 'sidecar') out.push(passthroughCluster());
  return unique(out);
}

/** The second part: a sidecar's inbound clusters and InboundPassthroughCluster (its own workload's); none for gateways. */
export function inboundSideClusters(snapshot: Snapshot, proxy: Proxy): Cluster[] {
  if (proxy.type !== 'sidecar') return [];
  return unique([...inboundClusters(snapshot, proxy), inboundPassthroughCluster()]);
}

/** Duplicate names keep the first (Istio's `normalizeClusters`). */
function unique(clusters: readonly Cluster[]): Cluster[] {
  const seen = new Set<string>();
  return clusters.filter((c) => !seen.has(c.name) && (seen.add(c.name), true));
}
