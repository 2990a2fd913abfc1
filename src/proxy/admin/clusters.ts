/**
 * Envoy's admin `/clusters` text: per cluster its observability name, circuit-breaker limits for
 * the default and high priorities, `added_via_api`, the EDS service name, then per host (in
 * priority order) the host stats sorted by name (cx_active, cx_connect_fail, cx_total, rq_active,
 * rq_error, rq_success, rq_timeout, rq_total), hostname, health_flags (`healthy`, or Envoy's
 * `/failed_outlier_check`, `/failed_eds_health`, `/degraded_eds_health`), weight, region, zone,
 * sub_zone, canary, priority, success_rate and local_origin_success_rate, each line
 * `CLUSTER::HOST:PORT::KEY::VALUE`. `?format=json` gives admin.v3.Clusters.
 *
 * Hosts come from the cluster manager when one is attached (live counters, outlier ejections);
 * otherwise they are read from the snapshot's assignments with zero counters. Pure rendering.
 */
import type { CircuitBreakerThresholds, Cluster } from '../../api/envoy/cluster.js';
import type { ClusterLoadAssignment, HealthStatus } from '../../api/envoy/endpoint.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { makeHost, type Host } from '../upstream/host.js';

/** The live hosts of a cluster, as the cluster manager holds them. */
export type HostsOf = (cluster: string) => readonly Host[] | undefined;

/** Per-host counters Envoy shows in /clusters (kept by the data path; see stats HostStats). */
export interface HostCounters {
  cx_connect_fail: number;
  cx_total: number;
  rq_error: number;
  rq_success: number;
  rq_timeout: number;
  rq_total: number;
}

export type HostCountersOf = (cluster: string, hostKey: string) => Readonly<HostCounters> | undefined;

export interface ClustersView {
  hostsOf?: HostsOf;
  countersOf?: HostCountersOf;
  /** Success rates from outlier detection, when it computed one (-1 otherwise). */
  successRateOf?: (cluster: string, hostKey: string) => number | undefined;
}

interface ShownHost {
  host: Host;
  hostname: string;
  degraded: boolean;
}

const UNHEALTHY: ReadonlySet<HealthStatus> = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT']);

/** Hosts of an assignment, as the cluster manager would build them (priority order). */
export function hostsFromAssignment(cla: ClusterLoadAssignment | undefined): ShownHost[] {
  const out: ShownHost[] = [];
  for (const loc of cla?.endpoints ?? []) {
    for (const lb of loc.lbEndpoints ?? []) {
      const a = lb.endpoint.address;
      const address = a.pipe?.path ? `unix://${a.pipe.path}` : a.socketAddress?.address ?? '';
      const host = makeHost({
        address,
        port: a.socketAddress?.portValue ?? 0,
        weight: lb.loadBalancingWeight,
        locality: loc.locality,
        priority: loc.priority,
        healthy: !UNHEALTHY.has(lb.healthStatus ?? 'UNKNOWN'),
      });
      out.push({ host, hostname: lb.endpoint.hostname ?? '', degraded: lb.healthStatus === 'DEGRADED' });
    }
  }
  return out.sort((x, y) => x.host.priority - y.host.priority);
}

export function healthFlags(h: Host, degraded = false): string {
  let s = '';
  if (h.ejected) s += '/failed_outlier_check';
  if (!h.healthy) s += '/failed_eds_health';
  if (degraded) s += '/degraded_eds_health';
  return s || 'healthy';
}

function thresholds(c: Cluster, priority: 'DEFAULT' | 'HIGH'): Required<Pick<CircuitBreakerThresholds, 'maxConnections' | 'maxPendingRequests' | 'maxRequests' | 'maxRetries'>> {
  const t = c.circuitBreakers?.thresholds?.find((x) => (x.priority ?? 'DEFAULT') === priority);
  const n = (v: number | undefined, d: number) => (typeof v === 'number' && v >= 0 ? v : d);
  return {
    maxConnections: n(t?.maxConnections, 1024),
    maxPendingRequests: n(t?.maxPendingRequests, 1024),
    maxRequests: n(t?.maxRequests, 1024),
    maxRetries: n(t?.maxRetries, 3),
  };
}

function shownHosts(snapshot: RuntimeSnapshot, name: string, view: ClustersView): ShownHost[] {
  const live = view.hostsOf?.(name);
  if (live) return [...live].sort((x, y) => x.priority - y.priority).map((host) => ({ host, hostname: '', degraded: false }));
  return hostsFromAssignment(snapshot.loadAssignmentFor(name));
}

const ZERO: HostCounters = { cx_connect_fail: 0, cx_total: 0, rq_error: 0, rq_success: 0, rq_timeout: 0, rq_total: 0 };

function hostStats(name: string, h: Host, view: ClustersView): [string, number][] {
  const c = view.countersOf?.(name, h.key) ?? ZERO;
  return [
    ['cx_active', h.activeConnections],
    ['cx_connect_fail', c.cx_connect_fail],
    ['cx_total', c.cx_total],
    ['rq_active', h.activeRequests],
    ['rq_error', c.rq_error],
    ['rq_success', c.rq_success],
    ['rq_timeout', c.rq_timeout],
    ['rq_total', c.rq_total],
  ];
}

export function renderClustersText(snapshot: RuntimeSnapshot, view: ClustersView = {}): string {
  const out: string[] = [];
  for (const [name, entry] of snapshot.clusters) {
    const c = entry.cluster;
    out.push(`${name}::observability_name::${name}`);
    for (const [p, label] of [['DEFAULT', 'default'], ['HIGH', 'high']] as const) {
      const t = thresholds(c, p);
      out.push(`${name}::${label}_priority::max_connections::${t.maxConnections}`);
      out.push(`${name}::${label}_priority::max_pending_requests::${t.maxPendingRequests}`);
      out.push(`${name}::${label}_priority::max_requests::${t.maxRequests}`);
      out.push(`${name}::${label}_priority::max_retries::${t.maxRetries}`);
    }
    out.push(`${name}::added_via_api::true`);
    if (entry.edsName) out.push(`${name}::eds_service_name::${entry.edsName}`);
    for (const { host: h, hostname, degraded } of shownHosts(snapshot, name, view)) {
      const p = `${name}::${h.key}`;
      for (const [k, v] of hostStats(name, h, view)) out.push(`${p}::${k}::${v}`);
      const sr = view.successRateOf?.(name, h.key) ?? -1;
      out.push(
        `${p}::hostname::${hostname}`,
        `${p}::health_flags::${healthFlags(h, degraded)}`,
        `${p}::weight::${h.weight}`,
        `${p}::region::${h.locality.region}`,
        `${p}::zone::${h.locality.zone}`,
        `${p}::sub_zone::${h.locality.subZone}`,
        `${p}::canary::false`,
        `${p}::priority::${h.priority}`,
        `${p}::success_rate::${sr}`,
        `${p}::local_origin_success_rate::-1`,
      );
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export function renderClustersJson(snapshot: RuntimeSnapshot, view: ClustersView = {}): object {
  return {
    clusterStatuses: [...snapshot.clusters].map(([name, entry]) => ({
      name,
      addedViaApi: true,
      observabilityName: name,
      ...(entry.edsName ? { edsServiceName: entry.edsName } : {}),
      circuitBreakers: {
        thresholds: (['DEFAULT', 'HIGH'] as const).map((p) => ({ ...(p === 'HIGH' ? { priority: 'HIGH' } : {}), ...thresholds(entry.cluster, p) })),
      },
      hostStatuses: shownHosts(snapshot, name, view).map(({ host: h, hostname, degraded }) => ({
        address: h.address.startsWith('unix://') ? { pipe: { path: h.address.slice(7) } } : { socketAddress: { address: h.address, portValue: h.port } },
        stats: hostStats(name, h, view).map(([k, v]) => ({ name: k, value: String(v), type: k.endsWith('_active') ? 'GAUGE' : 'COUNTER' })),
        healthStatus: {
          edsHealthStatus: h.healthy ? (degraded ? 'DEGRADED' : 'HEALTHY') : 'UNHEALTHY',
          ...(h.ejected ? { failedOutlierCheck: true } : {}),
        },
        weight: h.weight,
        ...(hostname ? { hostname } : {}),
        locality: { region: h.locality.region, zone: h.locality.zone, subZone: h.locality.subZone },
        priority: h.priority,
      })),
    })),
  };
}

