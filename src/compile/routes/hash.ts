/**
 * Consistent-hash policies on routes: which DestinationRule `consistentHash` applies to a route
 * destination (Istio's HashForHTTPDestination: subset port-level > subset > port-level >
 * top-level, port-level only when the destination names its port) or to a service's default
 * route (hashForService), and its Envoy RouteAction.HashPolicy. The cluster compiler owns both
 * rules (src/compile/clusters/hash-policy.ts); this module adapts them to route destinations.
 */
import type { HashPolicy } from '../../api/envoy/route.js';
import type { ConsistentHashLB } from '../../api/istio/destination-rule.js';
import type { Destination } from '../../api/istio/virtual-service.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { consistentHashFor, toHashPolicy } from '../clusters/hash-policy.js';

export function consistentHashToHashPolicy(ch: ConsistentHashLB | null | undefined): HashPolicy | undefined {
  return ch ? toHashPolicy(ch) : undefined;
}

/** The consistentHash that applies to a VirtualService destination (host already resolved). */
export function hashForDestination(snapshot: Snapshot, proxy: Proxy, dest: Destination): ConsistentHashLB | undefined {
  if (!dest.host) return undefined;
  return consistentHashFor(snapshot, proxy, dest.host, dest.port?.number ?? undefined, dest.subset ?? undefined);
}

/** The consistentHash for a service port with no VirtualService (Istio's hashForService). */
export function hashForService(snapshot: Snapshot, proxy: Proxy, hostname: string, port: number): ConsistentHashLB | undefined {
  return consistentHashFor(snapshot, proxy, hostname, port, undefined);
}
