/**
 * Envoy's upstream_bind_config: the source address a cluster's upstream connections bind. Istio
 * sets 127.0.0.6 on inbound clusters and InboundPassthroughCluster so that the proxy's connection
 * to the app is not captured again by iptables (`-o lo -s 127.0.0.6/32 -j RETURN`); without it a
 * transparent sidecar would loop its own inbound connections back into 15006. As in Envoy, the
 * address is bound for every connection of the cluster (inbound destinations are local). Pure.
 */
import type { Cluster } from '../../api/envoy/cluster.js';

/** The source address the cluster's upstream connections bind, if any. */
export function clusterSourceAddress(c: Cluster): string | undefined {
  return c.upstreamBindConfig?.sourceAddress?.address || undefined;
}
