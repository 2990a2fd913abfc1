/**
 * The endpoint compiler (EDS): (snapshot, proxy[, cluster names]) → one ClusterLoadAssignment per
 * EDS cluster of the proxy (outbound and, on AUTO_PASSTHROUGH gateways, SNI-DNAT), as Istio's EndpointBuilder makes them: the service port's endpoints
 * with an IP (or unix socket) address, filtered by the subset's labels, grouped by locality, and,
 * with locality load balancing (on by default; failover only with outlier detection), weighted or
 * prioritised relative to the proxy's locality. Requested names that are not EDS clusters of this
 * proxy get an empty assignment, as Istio answers unknown names. Stable order. Pure.
 */
import type { ClusterLoadAssignment } from '../../api/envoy/endpoint.js';
import { parseClusterName, sniDnatClusterName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { clusterPlans, planEndpoints, type OutboundPlan } from '../clusters/plan.js';
import { groupByLocality, isEdsAddress, proxyLocality } from './build.js';
import { applyLocalityLb, effectiveLocalitySetting } from './locality.js';

export { groupByLocality, lbEndpoint, parseLocality } from './build.js';

/** The load assignment of one cluster plan, whatever its discovery type (proxyless gRPC makes every cluster EDS). */
export function planAssignment(snapshot: Snapshot, proxy: Proxy, plan: OutboundPlan): ClusterLoadAssignment {
  const eps = planEndpoints(snapshot, plan).filter((ep) => isEdsAddress(ep.address));
  if (eps.length === 0) return { clusterName: plan.name };
  const groups = groupByLocality(eps);
  const setting = effectiveLocalitySetting(plan.policy?.loadBalancer?.localityLbSetting);
  const failover = plan.policy?.outlierDetection !== undefined;
  return { clusterName: plan.name, endpoints: applyLocalityLb(groups, proxyLocality(snapshot, proxy), proxy.labels, setting, failover) };
}

/** Whether `name` is a service cluster name (`outbound|…`, `inbound|…` or SNI-DNAT `outbound_.…`). */
export function isServiceClusterName(name: string): boolean {
  if (parseClusterName(name)) return true;
  const m = /^outbound_\.(\d+)_\.([^_]*)_\.(.+)$/.exec(name);
  return !!m && sniDnatClusterName(m[3]!, Number(m[1]), m[2]) === name;
}

export function compileEndpoints(snapshot: Snapshot, proxy: Proxy, clusterNames?: readonly string[]): ClusterLoadAssignment[] {
  const eds = clusterPlans(snapshot, proxy).filter((p) => p.type === 'EDS');
  if (!clusterNames) {
    const seen = new Set<string>();
    return eds.filter((p) => !seen.has(p.name) && (seen.add(p.name), true)).map((p) => planAssignment(snapshot, proxy, p));
  }
  const byName = new Map<string, OutboundPlan>();
  for (const p of eds) if (!byName.has(p.name)) byName.set(p.name, p);
  const out: ClusterLoadAssignment[] = [];
  for (const name of clusterNames) {
    const plan = byName.get(name);
    if (plan) out.push(planAssignment(snapshot, proxy, plan));
    else if (isServiceClusterName(name)) out.push({ clusterName: name });
  }
  return out;
}
