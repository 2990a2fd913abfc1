/**
 * The sidecar's outbound catch-all, as Istio's listener_builder.go builds it: the cluster that
 * unmatched outbound traffic goes to (PassthroughCluster under ALLOW_ANY, the Sidecar's
 * egressProxy when one is set, BlackHoleCluster under REGISTRY_ONLY), the `PassthroughFilterChain`
 * default chain of every outbound listener, and the `virtualOutbound` listener on 0.0.0.0:15001
 * (iptables' REDIRECT target; useOriginalDst hands connections to the listener of their original
 * destination, and its `virtualOutbound-blackhole` / `virtualOutbound-catchall-tcp` chains take
 * what no listener claims).
 */
import type { FilterChain, Listener } from '../../api/envoy/listener.js';
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  VIRTUAL_OUTBOUND_LISTENER,
  VIRTUAL_OUTBOUND_PORT,
  outboundCluster,
} from '../../api/names.js';
import { toFqdn } from '../../common/hosts.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { WILDCARD_ADDRESS } from '../routes/egress.js';
import { originalDstFilter, tcpProxyToCluster } from './filters.js';

export const PASSTHROUGH_FILTER_CHAIN = 'PassthroughFilterChain';
export const VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN = 'virtualOutbound-blackhole';
export const VIRTUAL_OUTBOUND_CATCHALL_CHAIN = 'virtualOutbound-catchall-tcp';
export { WILDCARD_ADDRESS };

/** Where traffic that matches no service goes (Istio's buildOutboundCatchAllNetworkFiltersOnly). */
export function egressCluster(snapshot: Snapshot, proxy: Proxy): string {
  const scope = snapshot.sidecarScope(proxy);
  if (scope.outboundTrafficPolicy !== 'ALLOW_ANY') return BLACKHOLE_CLUSTER;
  const sidecar = scope.sidecar;
  const egressProxy = sidecar?.spec.outboundTrafficPolicy?.egressProxy;
  if (sidecar && egressProxy?.host) {
    return outboundCluster(toFqdn(egressProxy.host, sidecar.namespace), egressProxy.port?.number ?? 0, egressProxy.subset ?? '');
  }
  return PASSTHROUGH_CLUSTER;
}

/** The default chain of an outbound listener whose chains all carry a match. */
export function passthroughFilterChain(cluster: string): FilterChain {
  return { name: PASSTHROUGH_FILTER_CHAIN, filterChainMatch: {}, filters: [tcpProxyToCluster(cluster)] };
}

export function virtualOutboundListener(snapshot: Snapshot, proxy: Proxy): Listener {
  const cluster = egressCluster(snapshot, proxy);
  return {
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: { socketAddress: { address: WILDCARD_ADDRESS, portValue: VIRTUAL_OUTBOUND_PORT } },
    useOriginalDst: true,
    // Envoy adds original_dst itself when useOriginalDst is set; Trellis lists it explicitly so
    // that its own proxy need not know that rule (a second original_dst is a no-op in Envoy).
    listenerFilters: [originalDstFilter()],
    filterChains: [
      {
        name: VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN,
        // Connections addressed to 15001 itself must not loop back into the proxy.
        filterChainMatch: { destinationPort: VIRTUAL_OUTBOUND_PORT },
        filters: [tcpProxyToCluster(BLACKHOLE_CLUSTER)],
      },
      { name: VIRTUAL_OUTBOUND_CATCHALL_CHAIN, filters: [tcpProxyToCluster(cluster)] },
    ],
    trafficDirection: 'OUTBOUND',
  };
}
