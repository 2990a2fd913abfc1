/**
 * One outbound cluster from its plan, as Istio's `buildOutboundClusters` /
 * `applyDestinationRule` / `buildSubsetCluster` build it: the skeleton for its discovery type,
 * the inline load assignment for DNS clusters (subset-filtered; no endpoints → no cluster, as in
 * Istio), the traffic policy (connection pool, h2 upgrade, outlier detection, load balancer, TLS),
 * EDS over ADS for EDS clusters, and Istio's metadata. SNI-DNAT plans get everything but the TLS.
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import { sniDnatClusterName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { groupByLocality } from '../endpoints/build.js';
import { applyConnectionPool, applyH2Upgrade } from './connection-pool.js';
import { applyEdsConfig, finish, newDraft } from './draft.js';
import { applyLoadBalancer, applyOutlierDetection, type ProxyPlace } from './load-balancer.js';
import { addExternal, addRuleConfig, addServices, addSubset } from './metadata.js';
import { planEndpoints, type OutboundPlan } from './plan.js';
import { applyUpstreamTls } from './tls.js';

/** spiffe identities of a service port's workloads, sorted (Istio's `ServiceAccounts`). */
export function serviceIdentities(snapshot: Snapshot, plan: OutboundPlan): string[] {
  const ids = new Set<string>();
  for (const ep of snapshot.endpoints(plan.service.hostname, plan.service.namespace, plan.port.port)) {
    if (!ep.serviceAccount) continue;
    const ns = ep.workload?.namespace ?? plan.service.namespace;
    ids.add(ep.serviceAccount.startsWith('spiffe://') ? ep.serviceAccount : `spiffe://cluster.local/ns/${ns}/sa/${ep.serviceAccount}`);
  }
  return [...ids].sort();
}

export function buildOutboundCluster(snapshot: Snapshot, proxy: Proxy, plan: OutboundPlan, place: ProxyPlace): Cluster | undefined {
  const { service, port, policy } = plan;
  const d = newDraft(plan.name, plan.type, port.protocol, proxy.type);
  const c = d.cluster;
  if (plan.type === 'STATIC' || plan.type === 'STRICT_DNS' || plan.type === 'LOGICAL_DNS') {
    const eps = planEndpoints(snapshot, plan);
    if (eps.length === 0) return undefined;
    d.groups = groupByLocality(eps);
    c.loadAssignment = { clusterName: plan.name, endpoints: d.groups.map((g) => g.group) };
  }
  addServices(c, [service]);

  applyConnectionPool(d, policy?.connectionPool);
  applyH2Upgrade(d, port, policy?.connectionPool);
  applyOutlierDetection(d, policy?.outlierDetection);
  applyLoadBalancer(d, policy?.loadBalancer, place);
  // SNI-DNAT clusters pass the client's mTLS through: no upstream TLS (Istio's SniDnatClusterMode).
  if (policy?.tls && !plan.sniDnat) {
    applyUpstreamTls(d, { ...policy.tls }, {
      istioSni: sniDnatClusterName(service.hostname, port.port, plan.subset?.name),
      serviceAccounts: policy.tls.mode === 'ISTIO_MUTUAL' ? serviceIdentities(snapshot, plan) : [],
      sidecar: proxy.type === 'sidecar',
      ruleHasSelector: plan.rule?.sources.some((s) => !!s.spec.workloadSelector) ?? false,
    });
  }
  if (c.type === 'ORIGINAL_DST') c.lbPolicy = 'CLUSTER_PROVIDED';
  applyEdsConfig(c);

  if (!plan.subset && service.meshExternal) addExternal(c);
  addRuleConfig(c, plan.rule);
  if (plan.subset) addSubset(c, plan.subset.name);
  return finish(d);
}
