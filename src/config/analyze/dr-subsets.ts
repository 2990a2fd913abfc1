/**
 * DestinationRule hosts and subsets (Istio's destinationrule PodNotSelectedAnalyzer): the host
 * must match a known, visible service (IST0174, a warning), and each subset's labels must select
 * at least one workload of that service (IST0173): for a Kubernetes Service, workloads in its
 * namespace matching its selector; for a ServiceEntry, workloads matching its workloadSelector,
 * or its inline endpoints. Services without a selector (endpoints managed elsewhere) and
 * wildcard hosts are not checked for subsets.
 */
import type { RawObject } from '../../api/resource.js';
import type { AnalysisContext, ServiceInfo } from './context.js';
import { isEmptySelector, isWildcard, lookupScopes, selects } from '../../common/hosts.js';
import type { AnalysisMessage } from './message.js';
import { list, message, specOf, type DestinationRuleSpec } from './specs.js';

/**
 * Labels Istio adds to every endpoint from its node and cluster (locality, hostname, network).
 * Trellis cannot see nodes, so a non-empty value for one of these is assumed to match when the
 * workload does not set the label itself; Istio never matches an empty value.
 */
const PLATFORM_LABELS = new Set([
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
  'kubernetes.io/hostname',
  'topology.istio.io/cluster',
  'topology.istio.io/network',
]);

function subsetMatches(subset: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(subset)) {
    if (labels[k] === v) continue;
    if (PLATFORM_LABELS.has(k) && labels[k] === undefined && v !== '') continue;
    return false;
  }
  return true;
}

/** Whether `subset` selects something behind `svc`; undefined when that cannot be known. */
function selectsSomething(ctx: AnalysisContext, svc: ServiceInfo, subset: Record<string, string>): boolean | undefined {
  if (svc.kind === 'Service' && isEmptySelector(svc.selector)) return undefined;
  if (!isEmptySelector(svc.selector)) {
    return ctx.workloadsIn(svc.namespace).some((w) => selects(svc.selector, w.labels) && subsetMatches(subset, w.labels));
  }
  if (svc.endpointLabels && svc.endpointLabels.length > 0) return svc.endpointLabels.some((l) => subsetMatches(subset, l));
  // A ServiceEntry without endpoints: its single endpoint is the host itself, with no labels.
  return subsetMatches(subset, {});
}

function analyzeOne(ctx: AnalysisContext, dr: RawObject, out: AnalysisMessage[]): void {
  const spec = specOf<DestinationRuleSpec>(dr);
  const host = spec.host;
  if (!host) return;
  const ns = dr.metadata.namespace;
  const services = ctx.findServices(host, ns, lookupScopes(spec.exportTo, ns));
  if (services.length === 0) {
    out.push(message(dr, 'IST0174', 'Warning',
      `The host ${host} defined in the DestinationRule does not match any services in the mesh.`, ['spec', 'host']));
    return;
  }
  if (isWildcard(host)) return;
  list(spec.subsets).forEach((subset, i) => {
    if (!subset?.name) return;
    const labels = subset.labels ?? {};
    const verdicts = services.map((s) => selectsSomething(ctx, s, labels));
    if (verdicts.some((v) => v !== false)) return;
    out.push(message(dr, 'IST0173', 'Error',
      `The Subset ${subset.name} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).`,
      ['spec', 'subsets', i, subset.labels ? 'labels' : 'name']));
  });
}

export function analyzeDestinationRuleSubsets(ctx: AnalysisContext): AnalysisMessage[] {
  const out: AnalysisMessage[] = [];
  for (const dr of ctx.destinationRules) analyzeOne(ctx, dr, out);
  return out;
}
