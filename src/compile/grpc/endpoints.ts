/**
 * EDS for proxyless gRPC: the load assignment of each requested cluster, built by the endpoint
 * compiler from the same plans as the clusters (subset labels, locality grouping with
 * `load_balancing_weight`, locality load balancing), whatever the service's resolution (gRPC
 * makes every cluster EDS). Then what gRPC's validation rejects is left out: addresses that are
 * not IPs (unix sockets) and a second endpoint with the same IP and port in one assignment; the
 * locality weight is recomputed when that removed endpoints. Unknown service cluster names get an
 * empty assignment, as for sidecars. Pure.
 */
import type { ClusterLoadAssignment, LocalityLbEndpoints } from '../../api/envoy/endpoint.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { outboundPlans, type OutboundPlan } from '../clusters/index.js';
import { isServiceClusterName, planAssignment } from '../endpoints/index.js';

function adaptGroup(g: LocalityLbEndpoints, seen: Set<string>): LocalityLbEndpoints {
  const kept = g.lbEndpoints.filter((e) => {
    const sa = e.endpoint.address.socketAddress;
    if (!sa) return false;
    const key = `${sa.address}|${sa.portValue ?? 0}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (kept.length === g.lbEndpoints.length) return g;
  const out: LocalityLbEndpoints = { ...g, lbEndpoints: kept };
  if (g.loadBalancingWeight !== undefined && g.loadBalancingWeight > 0) {
    out.loadBalancingWeight = Math.min(0xffffffff, kept.reduce((sum, e) => sum + (e.loadBalancingWeight ?? 1), 0));
  }
  return out;
}

/** A load assignment with only endpoints a gRPC client accepts. */
export function adaptAssignment(cla: ClusterLoadAssignment): ClusterLoadAssignment {
  if (!cla.endpoints) return cla;
  const seen = new Set<string>();
  // Emptied localities stay (weight 0, which gRPC skips) so that priorities stay contiguous.
  return { ...cla, endpoints: cla.endpoints.map((g) => adaptGroup(g, seen)) };
}

/** EDS for a gRPC client: the requested assignments in request order, or every outbound cluster's. */
export function grpcEndpoints(snapshot: Snapshot, proxy: Proxy, names?: readonly string[]): ClusterLoadAssignment[] {
  const byName = new Map<string, OutboundPlan>();
  for (const p of outboundPlans(snapshot, proxy)) if (!byName.has(p.name)) byName.set(p.name, p);
  const wanted = names ? [...new Set(names)] : [...byName.keys()];
  const out: ClusterLoadAssignment[] = [];
  for (const name of wanted) {
    const plan = byName.get(name);
    if (plan) out.push(adaptAssignment(planAssignment(snapshot, proxy, plan)));
    else if (isServiceClusterName(name)) out.push({ clusterName: name });
  }
  return out;
}
