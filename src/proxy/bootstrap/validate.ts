/**
 * What the proxy checks before it accepts an xDS resource, beyond "it decodes": that it is
 * something this data plane can run. Each function returns the problems with one resource
 * (empty when usable), phrased for a NACK's error_detail: listeners whose network, listener or
 * HTTP filters (or transport sockets) the proxy does not implement, named by type URL; an HTTP
 * filter chain not ending in the router; HCMs with neither or both of rds/route_config, or RDS
 * from a source other than ADS; tcp_proxy without a cluster; two filter chains with the same
 * match (Envoy rejects that too); route configurations with invalid RE2, duplicate domains
 * (Envoy's rule) or routes without an action; clusters of an unsupported discovery type or load
 * balancing policy; endpoints without an address. Route tables themselves are compiled by the
 * caller (runtime.ts). Pure.
 */
import { ListenerTypeUrl, type FilterChain, type HttpConnectionManager, type Listener, type TcpProxy } from '../../api/envoy/listener.js';
import type { RouteConfiguration } from '../../api/envoy/route.js';
import { UPSTREAM_TLS_CONTEXT_TYPE, type Cluster } from '../../api/envoy/cluster.js';
import type { ClusterLoadAssignment, LbEndpoint } from '../../api/envoy/endpoint.js';
import type { Address } from '../../api/envoy/common.js';
import { checkRe2 } from '../../common/re2.js';

const NETWORK_FILTERS = new Set<string>([ListenerTypeUrl.HttpConnectionManager, ListenerTypeUrl.TcpProxy, ListenerTypeUrl.SniCluster]);
const LISTENER_FILTERS = new Set<string>([ListenerTypeUrl.OriginalDst, ListenerTypeUrl.TlsInspector, ListenerTypeUrl.HttpInspector]);
const HTTP_FILTERS = new Set<string>([ListenerTypeUrl.HTTPFault, ListenerTypeUrl.Cors, ListenerTypeUrl.Router]);
const DOWNSTREAM_SOCKETS = new Set<string>([ListenerTypeUrl.DownstreamTlsContext, 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer']);
const UPSTREAM_SOCKETS = new Set<string>([UPSTREAM_TLS_CONTEXT_TYPE, 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer']);
const DISCOVERY_TYPES = new Set(['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST']);
const LB_POLICIES = new Set(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED']);

type Obj = Record<string, unknown>;

function typeOf(typed: unknown): string | undefined {
  const t = (typed as Obj | undefined)?.['@type'];
  return typeof t === 'string' ? t : undefined;
}

function addressProblem(a: Address | undefined, where: string, needPort: boolean): string | undefined {
  if (a?.pipe?.path) return undefined;
  const s = a?.socketAddress;
  if (!s?.address) return `${where}: no socket address`;
  if (needPort && !s.portValue && (s as unknown as Obj)['namedPort'] === undefined) return `${where}: socket address ${s.address} has no port`;
  return undefined;
}

// ── Listener ─────────────────────────────────────────────────────────────────────────────────

function hcmProblems(hcm: HttpConnectionManager, where: string, out: string[]): void {
  if (!!hcm.rds === !!hcm.routeConfig) out.push(`${where}: http_connection_manager needs exactly one of rds and route_config`);
  if (hcm.rds) {
    if (!hcm.rds.routeConfigName) out.push(`${where}: rds has no route_config_name`);
    const src = hcm.rds.configSource as Obj | undefined;
    if (src && !src['ads']) out.push(`${where}: rds config source other than ADS is not supported`);
  }
  if (hcm.routeConfig) for (const p of routeConfigProblems(hcm.routeConfig)) out.push(`${where}: route_config: ${p}`);
  const filters = (hcm.httpFilters ?? []).filter((f) => !(f as unknown as Obj)['disabled']);
  filters.forEach((f, i) => {
    const t = typeOf(f.typedConfig);
    const fw = `${where}.http_filters[${i}] ${f.name}`;
    if (!t) out.push(`${fw}: no typed_config`);
    else if (!HTTP_FILTERS.has(t) && !(f as unknown as Obj)['isOptional']) out.push(`${fw}: unsupported HTTP filter type ${t}`);
    if (t === ListenerTypeUrl.Router && i !== filters.length - 1) out.push(`${fw}: the router must be the last HTTP filter`);
  });
  const last = filters.at(-1);
  if (!last || typeOf(last.typedConfig) !== ListenerTypeUrl.Router) out.push(`${where}: the HTTP filter chain must end in ${ListenerTypeUrl.Router}`);
}

function chainProblems(chain: FilterChain, where: string, out: string[]): void {
  const filters = chain.filters ?? [];
  if (!filters.length) out.push(`${where}: no network filters`);
  filters.forEach((f, i) => {
    const t = typeOf(f.typedConfig);
    const fw = `${where}.filters[${i}] ${f.name}`;
    if (!t) return void out.push(`${fw}: no typed_config`);
    if (!NETWORK_FILTERS.has(t)) return void out.push(`${fw}: unsupported network filter type ${t}`);
    const terminal = t !== ListenerTypeUrl.SniCluster;
    if (terminal && i !== filters.length - 1) out.push(`${fw}: a terminal filter must be the last network filter`);
    if (t === ListenerTypeUrl.HttpConnectionManager) hcmProblems(f.typedConfig as HttpConnectionManager, fw, out);
    if (t === ListenerTypeUrl.TcpProxy) {
      const tcp = f.typedConfig as TcpProxy;
      if (!tcp.cluster && !tcp.weightedClusters?.clusters?.length) out.push(`${fw}: tcp_proxy has no cluster`);
    }
  });
  const ts = chain.transportSocket;
  if (ts) {
    const t = typeOf(ts.typedConfig);
    if (t && !DOWNSTREAM_SOCKETS.has(t)) out.push(`${where}: unsupported transport socket type ${t}`);
  }
}

export function listenerProblems(l: Listener): string[] {
  const out: string[] = [];
  const a = addressProblem(l.address, 'address', true);
  if (a) out.push(a);
  (l.listenerFilters ?? []).forEach((f, i) => {
    const t = typeOf(f.typedConfig);
    if (!t || !LISTENER_FILTERS.has(t)) out.push(`listener_filters[${i}] ${f.name}: unsupported listener filter type ${t ?? '(none)'}`);
  });
  const seen = new Map<string, number>();
  (l.filterChains ?? []).forEach((c, i) => {
    const where = `filter_chains[${i}]${c.name ? ` ${c.name}` : ''}`;
    chainProblems(c, where, out);
    const key = JSON.stringify(c.filterChainMatch ?? {});
    const prev = seen.get(key);
    if (prev !== undefined) out.push(`${where}: multiple filter chains with the same matching rules (also filter_chains[${prev}])`);
    else seen.set(key, i);
  });
  if (l.defaultFilterChain) chainProblems(l.defaultFilterChain, 'default_filter_chain', out);
  if (!l.filterChains?.length && !l.defaultFilterChain) out.push('no filter chains');
  return out;
}

/** RDS names a listener's HTTP connection managers refer to. */
export function listenerRouteNames(l: Listener): string[] {
  const names: string[] = [];
  for (const c of [...(l.filterChains ?? []), ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])]) {
    for (const f of c.filters ?? []) {
      if (typeOf(f.typedConfig) !== ListenerTypeUrl.HttpConnectionManager) continue;
      const name = (f.typedConfig as HttpConnectionManager).rds?.routeConfigName;
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

// ── RouteConfiguration ──────────────────────────────────────────────────────────────────────

function regexProblems(v: unknown, path: string, out: string[]): void {
  if (Array.isArray(v)) return v.forEach((x, i) => regexProblems(x, `${path}[${i}]`, out));
  if (!v || typeof v !== 'object') return;
  const o = v as Obj;
  if (typeof o['regex'] === 'string') {
    const why = checkRe2(o['regex']);
    if (why) out.push(`${path}: invalid RE2 regex ${JSON.stringify(o['regex'])}: ${why}`);
  }
  for (const [k, x] of Object.entries(o)) if (k !== 'regex') regexProblems(x, path ? `${path}.${k}` : k, out);
}

export function routeConfigProblems(rc: RouteConfiguration): string[] {
  const out: string[] = [];
  regexProblems(rc.virtualHosts ?? [], 'virtual_hosts', out);
  const domains = new Map<string, string>();
  (rc.virtualHosts ?? []).forEach((vh, i) => {
    for (const d of vh.domains ?? []) {
      const key = d.toLowerCase();
      const owner = domains.get(key);
      if (owner !== undefined) out.push(`only unique values for domains are permitted: duplicate entry of domain ${d} in virtual hosts ${owner} and ${vh.name}`);
      else domains.set(key, vh.name);
    }
    if (!vh.domains?.length) out.push(`virtual_hosts[${i}] ${vh.name}: no domains`);
    (vh.routes ?? []).forEach((r, j) => {
      const actions = [r.route, r.redirect, r.directResponse].filter((x) => x !== undefined).length;
      if (actions !== 1) out.push(`virtual_hosts[${i}].routes[${j}]: needs exactly one of route, redirect, direct_response`);
      const ra = r.route as (Obj & { cluster?: string; weightedClusters?: { clusters?: unknown[] } }) | undefined;
      if (ra && !ra.cluster && !ra.weightedClusters?.clusters?.length && !ra['clusterHeader']) {
        out.push(`virtual_hosts[${i}].routes[${j}]: route action has no cluster`);
      }
    });
  });
  return out;
}

// ── Cluster ──────────────────────────────────────────────────────────────────────────────────

function endpointProblems(e: LbEndpoint, where: string, out: string[]): void {
  const p = addressProblem(e.endpoint?.address, where, true);
  if (p) out.push(p);
}

export function loadAssignmentProblems(cla: ClusterLoadAssignment): string[] {
  const out: string[] = [];
  (cla.endpoints ?? []).forEach((l, i) => {
    (l.lbEndpoints ?? []).forEach((e, j) => endpointProblems(e, `endpoints[${i}].lb_endpoints[${j}]`, out));
  });
  return out;
}

export function clusterProblems(c: Cluster): string[] {
  const out: string[] = [];
  const type = c.type ?? 'STATIC';
  const clusterType = (c as unknown as Obj)['clusterType'] as Obj | undefined;
  if (clusterType) out.push(`unsupported custom cluster type ${String(clusterType['name'] ?? '')}`);
  else if (!DISCOVERY_TYPES.has(type)) out.push(`unsupported discovery type ${type}`);
  const lb = c.lbPolicy ?? 'ROUND_ROBIN';
  if (!LB_POLICIES.has(lb)) out.push(`unsupported lb_policy ${lb}`);
  if (type === 'ORIGINAL_DST' && c.lbPolicy !== undefined && lb !== 'CLUSTER_PROVIDED') out.push(`lb_policy ${lb} is not valid for an ORIGINAL_DST cluster; only CLUSTER_PROVIDED (or the default)`);
  if (type !== 'ORIGINAL_DST' && lb === 'CLUSTER_PROVIDED') out.push(`lb_policy CLUSTER_PROVIDED is only valid for an ORIGINAL_DST cluster`);
  if (type === 'EDS') {
    const src = c.edsClusterConfig?.edsConfig as Obj | undefined;
    if (src && !src['ads']) out.push('eds config source other than ADS is not supported');
  }
  if (c.loadAssignment) {
    for (const p of loadAssignmentProblems(c.loadAssignment)) out.push(`load_assignment: ${p}`);
    if (type === 'STATIC' || type === 'EDS') {
      // Envoy resolves nothing for these: addresses must be IPs (or pipes).
      for (const l of c.loadAssignment.endpoints ?? []) {
        for (const e of l.lbEndpoints ?? []) {
          const addr = e.endpoint?.address?.socketAddress?.address;
          if (addr && !/^[0-9.]+$|:/.test(addr)) out.push(`load_assignment: ${type} cluster endpoint ${addr} is not an IP address`);
        }
      }
    }
  }
  const ts = c.transportSocket;
  if (ts) {
    const t = typeOf(ts.typedConfig);
    if (t && !UPSTREAM_SOCKETS.has(t)) out.push(`unsupported transport socket type ${t}`);
  }
  return out;
}

/** The EDS name of an EDS cluster (service_name, else the cluster name); undefined otherwise. */
export function edsServiceName(c: Cluster): string | undefined {
  return c.type === 'EDS' ? c.edsClusterConfig?.serviceName || c.name : undefined;
}
