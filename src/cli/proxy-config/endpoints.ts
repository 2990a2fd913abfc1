/**
 * `trellis proxy-config endpoints`: istioctl's endpoint table (ENDPOINT, STATUS, OUTLIER CHECK,
 * CLUSTER), built offline from what Envoy would hold: the load assignments of EDS clusters and the
 * inline ones of STATIC/DNS clusters (DNS hosts are shown as configured, not resolved). STATUS is
 * what Envoy's /clusters reports for the EDS health status (UNHEALTHY/DRAINING/TIMEOUT →
 * UNHEALTHY, DEGRADED, else HEALTHY); OUTLIER CHECK is `OK` (nothing has been ejected offline).
 * Sorted by address, port, cluster. Filters: --cluster, --address, --port, --status.
 * Also the `all` form (config dump EDS: NAME STATUS LOCALITY CLUSTER).
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import type { Locality } from '../../api/envoy/common.js';
import type { ClusterLoadAssignment, LbEndpoint } from '../../api/envoy/endpoint.js';
import { compareSubsetKeys, subsetKey } from './clusters.js';
import { TABLE_PADDING, tabulate } from './tabwriter.js';

export interface EndpointFilter {
  cluster?: string;
  address?: string;
  port?: number;
  status?: string;
}

interface Host {
  address: string;
  port: number;
  cluster: string;
  status: string;
}

/** The health Envoy's /clusters shows for an endpoint from its EDS health status. */
export function edsHealth(ep: LbEndpoint): string {
  switch (ep.healthStatus) {
    case 'UNHEALTHY': case 'DRAINING': case 'TIMEOUT': return 'UNHEALTHY';
    case 'DEGRADED': return 'DEGRADED';
    default: return 'HEALTHY';
  }
}

function hostAddress(ep: LbEndpoint): { address: string; port: number } {
  const a = ep.endpoint.address;
  if (a.socketAddress) return { address: a.socketAddress.address, port: a.socketAddress.portValue ?? 0 };
  if (a.pipe) return { address: `unix://${a.pipe.path}`, port: 0 };
  return { address: 'unknown', port: 0 };
}

/** The hosts each cluster would hold: its EDS assignment, or its inline load assignment. */
function hosts(clusters: readonly Cluster[], assignments: readonly ClusterLoadAssignment[]): Host[] {
  const byName = new Map(assignments.map((a) => [a.clusterName, a]));
  const out: Host[] = [];
  for (const c of clusters) {
    const cla = c.type === 'EDS' ? byName.get(c.edsClusterConfig?.serviceName ?? c.name) : c.loadAssignment;
    for (const llb of cla?.endpoints ?? []) {
      for (const ep of llb.lbEndpoints) out.push({ ...hostAddress(ep), cluster: c.name, status: edsHealth(ep) });
    }
  }
  return out;
}

function keep(h: { address: string; port: number; cluster: string; status: string }, f: EndpointFilter): boolean {
  return (f.address === undefined || h.address.toLowerCase() === f.address.toLowerCase()) &&
    (f.port === undefined || h.port === f.port) &&
    (f.cluster === undefined || h.cluster.toLowerCase() === f.cluster.toLowerCase()) &&
    (f.status === undefined || h.status.toLowerCase() === f.status.toLowerCase());
}

export function endpointRows(clusters: readonly Cluster[], assignments: readonly ClusterLoadAssignment[], f: EndpointFilter): string[][] {
  const list = hosts(clusters, assignments).filter((h) => keep(h, f));
  list.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0) || a.port - b.port ||
    (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  const rows = [['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']];
  for (const h of list) rows.push([h.port ? `${h.address}:${h.port}` : h.address, h.status, 'OK', h.cluster]);
  return rows;
}

export function renderEndpoints(clusters: readonly Cluster[], assignments: readonly ClusterLoadAssignment[], f: EndpointFilter): string {
  return tabulate(endpointRows(clusters, assignments, f), TABLE_PADDING);
}

// ---- the `all` form: EDS resources as the config dump holds them -------------------------------

export function localityString(l: Locality | undefined): string {
  if (!l) return '';
  let s = l.region ?? '';
  if (!l.zone) return s;
  s += `/${l.zone}`;
  return l.subZone ? `${s}/${l.subZone}` : s;
}

function edsAddress(ep: LbEndpoint): string {
  const a = ep.endpoint.address;
  if (a.socketAddress) return `${a.socketAddress.address}:${a.socketAddress.portValue ?? 0}`;
  return a.pipe?.path ?? 'unknown';
}

/** Load assignments with only the endpoints the filter keeps; empty ones dropped. */
export function filterAssignments(assignments: readonly ClusterLoadAssignment[], f: EndpointFilter): ClusterLoadAssignment[] {
  const out: ClusterLoadAssignment[] = [];
  for (const cla of assignments) {
    const endpoints = (cla.endpoints ?? []).map((llb) => ({
      ...llb,
      lbEndpoints: llb.lbEndpoints.filter((ep) => keep({
        address: edsAddress(ep), port: ep.endpoint.address.socketAddress?.portValue ?? 0,
        cluster: cla.clusterName, status: ep.healthStatus ?? 'UNKNOWN',
      }, f)),
    }));
    if (endpoints.some((llb) => llb.lbEndpoints.length > 0)) out.push({ ...cla, endpoints });
  }
  return out.sort((a, b) => compareSubsetKeys(subsetKey(a.clusterName), subsetKey(b.clusterName)));
}

export function renderEdsSummary(assignments: readonly ClusterLoadAssignment[], f: EndpointFilter): string {
  const rows = [['NAME', 'STATUS', 'LOCALITY', 'CLUSTER']];
  for (const cla of filterAssignments(assignments, f)) {
    for (const llb of cla.endpoints ?? []) {
      for (const ep of llb.lbEndpoints) {
        rows.push([`endpoint/${edsAddress(ep)}`, ep.healthStatus ?? 'UNKNOWN', localityString(llb.locality), cla.clusterName]);
      }
    }
  }
  return tabulate(rows, TABLE_PADDING);
}
