/**
 * The endpoint compiler (EDS): (snapshot, proxy[, cluster names]) → one ClusterLoadAssignment per
 * EDS cluster of the proxy, as Istio's EndpointBuilder makes them: the service port's endpoints
 * with an IP (or unix socket) address, filtered by the subset's labels, grouped by locality, and,
 * with locality load balancing (on by default; failover only with outlier detection), weighted or
 * prioritised relative to the proxy's locality. Requested names that are not EDS clusters of this
 * proxy get an empty assignment, as Istio answers unknown names. Stable order. Pure.
 */
import type { ClusterLoadAssignment } from '../../api/envoy/endpoint.js';
import { parseClusterName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { outboundPlans, type OutboundPlan } from '../clusters/plan.js';
import { groupByLocality, isEdsAddress, labelsMatch, parseLocality } from './build.js';
import { applyLocalityLb, effectiveLocalitySetting } from './locality.js';

export { groupByLocality, lbEndpoint, parseLocality, labelsMatch } from './build.js';

function assignment(snapshot: Snapshot, proxy: Proxy, plan: OutboundPlan): ClusterLoadAssignment {
  const { service, port } = plan;
  const eps = snapshot.endpoints(service.hostname, service.namespace, port.port)
    .filter((ep) => isEdsAddress(ep.address) && labelsMatch(ep.labels, plan.subset?.labels));
  if (eps.length === 0) return { clusterName: plan.name };
  const groups = groupByLocality(eps);
  const setting = effectiveLocalitySetting(plan.policy?.loadBalancer?.localityLbSetting);
  const locality = parseLocality(snapshot.workloadByAddress(proxy.ip)?.locality ?? '');
  const failover = plan.policy?.outlierDetection !== undefined;
  return { clusterName: plan.name, endpoints: applyLocalityLb(groups, locality, proxy.labels, setting, failover) };
}

export function compileEndpoints(snapshot: Snapshot, proxy: Proxy, clusterNames?: readonly string[]): ClusterLoadAssignment[] {
  const eds = outboundPlans(snapshot, proxy).filter((p) => p.type === 'EDS');
  if (!clusterNames) {
    const seen = new Set<string>();
    return eds.filter((p) => !seen.has(p.name) && (seen.add(p.name), true)).map((p) => assignment(snapshot, proxy, p));
  }
  const byName = new Map<string, OutboundPlan>();
  for (const p of eds) if (!byName.has(p.name)) byName.set(p.name, p);
  const out: ClusterLoadAssignment[] = [];
  for (const name of clusterNames) {
    const plan = byName.get(name);
    if (plan) out.push(assignment(snapshot, proxy, plan));
    else if (parseClusterName(name)) out.push({ clusterName: name });
  }
  return out;
}
