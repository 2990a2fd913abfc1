/**
 * The upstream half of an explanation: the Cluster a request lands on (type, subset, load
 * balancing, hash policy, circuit breakers, outlier detection, the DestinationRule behind it) and
 * its candidate endpoints (the ClusterLoadAssignment over EDS, the inline load assignment of
 * STATIC and DNS clusters, or the original destination). Says why it would fail: a cluster the
 * proxy does not have (503 NC) or one without endpoints (503 UH, naming the DestinationRule subset,
 * its labels and the labels of the workloads behind the service).
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../../api/envoy/endpoint.js';
import type { HashPolicy } from '../../api/envoy/route.js';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER, parseClusterName } from '../../api/names.js';
import { selectorString } from '../../common/hosts.js';
import type { ProxyConfig } from '../../compile/index.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { configSource, describeSource, metadataServices, metadataSubset } from './sources.js';
import type { EndpointInfo, Explanation, Outcome, Step } from './types.js';

export interface UpstreamResult {
  cluster?: Explanation['cluster'];
  endpoints: EndpointInfo[];
  steps: Step[];
  /** Set when the request cannot be served by this cluster. */
  failure?: Outcome;
}

function endpointsOf(c: Cluster, cfg: ProxyConfig): ClusterLoadAssignment | undefined {
  if (c.type === 'EDS') {
    const name = c.edsClusterConfig?.serviceName ?? c.name;
    return cfg.endpoints.find((e) => e.clusterName === name);
  }
  return c.loadAssignment;
}

function flatten(cla: ClusterLoadAssignment | undefined): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (const loc of cla?.endpoints ?? []) {
    const locality = [loc.locality?.region, loc.locality?.zone, loc.locality?.subZone].filter(Boolean).join('/');
    for (const e of loc.lbEndpoints) {
      const sa = e.endpoint.address.socketAddress;
      const wl = e.metadata?.filterMetadata?.['istio']?.['workload'];
      const info: EndpointInfo = { address: sa?.address ?? e.endpoint.address.pipe?.path ?? '?' };
      if (sa?.portValue !== undefined) info.port = sa.portValue;
      if (e.endpoint.hostname) info.hostname = e.endpoint.hostname;
      if (e.healthStatus) info.healthStatus = e.healthStatus;
      if (e.loadBalancingWeight !== undefined) info.weight = e.loadBalancingWeight;
      if (locality) info.locality = locality;
      if (typeof wl === 'string') info.workload = wl.split(';').slice(0, 2).join('.');
      out.push(info);
    }
  }
  return out;
}

function describeHash(h: readonly HashPolicy[] | undefined): string | undefined {
  if (!h?.length) return undefined;
  return h.map((p) => p.header ? `header ${p.header.headerName}` : p.cookie ? `cookie ${p.cookie.name}${p.cookie.ttl ? ` (ttl ${p.cookie.ttl})` : ''}`
    : p.connectionProperties?.sourceIp ? 'source IP' : p.queryParameter ? `query parameter ${p.queryParameter.name}` : JSON.stringify(p)).join(', ');
}

/** Walks `name` as the cluster of a request; `dst` is the original destination (for ORIGINAL_DST). */
export function explainUpstream(
  snapshot: Snapshot, proxy: Proxy, cfg: ProxyConfig, name: string, hashPolicy: readonly HashPolicy[] | undefined,
  dst: { address: string; port: number },
): UpstreamResult {
  const steps: Step[] = [];
  const c = cfg.clusters.find((x) => x.name === name);
  if (!c) {
    steps.push({ step: 'cluster', decision: `cluster ${name} does not exist in this proxy's CDS`, object: `Cluster ${name}` });
    const parsed = parseClusterName(name);
    const why = parsed?.subset
      ? `no DestinationRule visible to ${proxy.namespace} defines subset ${parsed.subset} for ${parsed.hostname}, or the host is not visible to this proxy`
      : parsed ? `service ${parsed.hostname} port ${parsed.port} is not visible to this proxy` : 'no such cluster';
    return {
      endpoints: [], steps,
      failure: { kind: 'error', status: 503, responseFlag: 'NC', cluster: name, message: `503 NC: the route names cluster ${name}, which this proxy does not have: ${why}` },
    };
  }
  const subset = metadataSubset(c.metadata);
  const dr = configSource(snapshot, c.metadata);
  const services = metadataServices(snapshot, c.metadata);
  const cluster: NonNullable<Explanation['cluster']> = { name, type: c.type ?? 'STATIC', lbPolicy: c.lbPolicy ?? 'ROUND_ROBIN' };
  if (subset) cluster.subset = subset;
  if (hashPolicy?.length) cluster.hashPolicy = hashPolicy;
  if (c.circuitBreakers) cluster.circuitBreakers = c.circuitBreakers;
  if (c.outlierDetection) cluster.outlierDetection = c.outlierDetection;
  if (dr) cluster.destinationRule = dr;
  if (services.length) cluster.services = services;
  const details: string[] = [`type ${cluster.type}, lbPolicy ${cluster.lbPolicy}${c.ringHashLbConfig ? ` ${JSON.stringify(c.ringHashLbConfig)}` : ''}`];
  const hash = describeHash(hashPolicy);
  if (hash) details.push(`consistent hash on ${hash} (route hashPolicy)`);
  const t = c.circuitBreakers?.thresholds?.[0];
  if (t) details.push(`circuit breakers: ${JSON.stringify(t)}`);
  if (c.outlierDetection) details.push(`outlier detection: ${JSON.stringify(c.outlierDetection)}`);
  if (services.length) details.push(`service: ${services.map(describeSource).join('; ')}`);
  if (dr) details.push(`DestinationRule: ${describeSource(dr)}${subset ? `, subset ${subset}` : ''}`);
  steps.push({ step: 'cluster', decision: `cluster ${name}${subset ? ` (subset ${subset})` : ''}`, object: `Cluster ${name}`, source: dr ?? services[0], details });

  if (c.type === 'ORIGINAL_DST') {
    const endpoints = [{ address: dst.address, port: dst.port }];
    steps.push({ step: 'endpoints', decision: `original destination ${dst.address}:${dst.port}`, object: `Cluster ${name}`, field: 'type ORIGINAL_DST' });
    return { cluster, endpoints, steps };
  }
  if (name === BLACKHOLE_CLUSTER || c.type === 'STATIC' && !c.loadAssignment?.endpoints?.length && name === BLACKHOLE_CLUSTER) {
    return { cluster, endpoints: [], steps };
  }
  const cla = endpointsOf(c, cfg);
  const endpoints = flatten(cla);
  const field = c.type === 'EDS' ? `ClusterLoadAssignment ${cla?.clusterName ?? name}` : `Cluster ${name} loadAssignment`;
  if (endpoints.length > 0) {
    const dns = c.type === 'STRICT_DNS' || c.type === 'LOGICAL_DNS' ? ` (resolved by DNS: ${c.type})` : '';
    steps.push({
      step: 'endpoints', decision: `${endpoints.length} endpoint(s)${dns}`, object: field,
      details: endpoints.map((e) => `${e.hostname ?? e.address}${e.port !== undefined ? `:${e.port}` : ''}` +
        `${e.workload ? ` (${e.workload})` : ''}${e.healthStatus ? ` ${e.healthStatus}` : ''}${e.weight !== undefined ? ` weight ${e.weight}` : ''}`),
    });
    const healthy = endpoints.filter((e) => e.healthStatus === undefined || e.healthStatus === 'HEALTHY' || e.healthStatus === 'UNKNOWN');
    if (healthy.length === 0) {
      return { cluster, endpoints, steps, failure: { kind: 'error', status: 503, responseFlag: 'UH', cluster: name, message: `503 UH: every endpoint of ${name} is unhealthy` } };
    }
    return { cluster, endpoints, steps };
  }
  steps.push({ step: 'endpoints', decision: 'no endpoints', object: field });
  return { cluster, endpoints, steps, failure: noEndpoints(snapshot, proxy, name, subset, dr) };
}

function noEndpoints(snapshot: Snapshot, proxy: Proxy, name: string, subset: string | undefined, dr: ReturnType<typeof configSource>): Outcome {
  const parsed = parseClusterName(name);
  const suggestions: string[] = [];
  let message = `503 UH: cluster ${name} has no endpoints`;
  if (parsed) {
    const svc = snapshot.service(parsed.hostname, proxy.namespace);
    const all = svc ? snapshot.endpoints(svc.hostname, svc.namespace, parsed.port) : [];
    const workloads = [...new Set(all.map((e) => `${e.workload ? `${e.workload.namespace}/${e.workload.name}` : e.address} {${selectorString(e.labels)}}`))];
    if (subset) {
      const rule = snapshot.destinationRule(parsed.hostname, proxy);
      const def = rule?.subsets.find((s) => s.name === subset);
      const labels = selectorString(def?.labels ?? {});
      message += `: subset ${subset} of ${dr ? describeSource(dr) : 'the DestinationRule'} selects {${labels}}, ` +
        (all.length === 0 ? `and ${parsed.hostname}:${parsed.port} has no endpoints at all`
          : `which none of the service's ${all.length} endpoint(s) carry: ${workloads.join('; ')}`);
      suggestions.push(`make the subset's labels {${labels}} match a workload's labels, or deploy a workload with them`);
    } else {
      message += svc ? `: no workload matches ${svc.origin.kind} ${svc.namespace}/${svc.name}${svc.selector ? ` (selector {${selectorString(svc.selector)}})` : ''}`
        : '';
    }
  }
  return { kind: 'error', status: 503, responseFlag: 'UH', cluster: name, message, suggestions };
}

export function isSpecial(name: string): boolean {
  return name === BLACKHOLE_CLUSTER || name === PASSTHROUGH_CLUSTER;
}
