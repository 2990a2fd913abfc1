/**
 * `trellis proxy-config clusters`: istioctl's cluster table. SERVICE FQDN, PORT, SUBSET ('-' when
 * none), DIRECTION and TYPE from `direction|port|subset|fqdn` names (other names: the name, then
 * '-'), DESTINATION RULE as `name.namespace` from the cluster's `istio` metadata; sorted by FQDN,
 * subset, port, direction. Filters (substring matches on the name, as istioctl): --fqdn, --subset,
 * --direction, --port (`|PORT|`).
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import { describeManagement } from './describe.js';
import { TABLE_PADDING, tabulate } from './tabwriter.js';

export interface ClusterFilter {
  fqdn?: string;
  subset?: string;
  direction?: string;
  port?: number;
}

export interface SubsetKey {
  direction: string;
  port: number;
  subset: string;
  fqdn: string;
}

/** Istio's ParseSubsetKey for names with more than three `|`-separated parts; else the name as FQDN. */
export function subsetKey(name: string): SubsetKey & { parsed: boolean } {
  const parts = name.split('|');
  if (parts.length > 3) {
    return { direction: parts[0]!, port: Number.parseInt(parts[1]!, 10) || 0, subset: parts[2]!, fqdn: parts[3]!, parsed: true };
  }
  return { direction: '', port: 0, subset: '', fqdn: name, parsed: false };
}

export function compareSubsetKeys(a: SubsetKey, b: SubsetKey): number {
  const str = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return str(a.fqdn, b.fqdn) || str(a.subset, b.subset) || a.port - b.port || str(a.direction, b.direction);
}

export function filterClusters(clusters: readonly Cluster[], f: ClusterFilter): Cluster[] {
  return clusters.filter((c) =>
    (!f.fqdn || c.name.includes(f.fqdn)) &&
    (!f.direction || c.name.includes(f.direction)) &&
    (!f.subset || c.name.includes(f.subset)) &&
    (!f.port || c.name.includes(`|${f.port}|`)));
}

export function clusterRows(clusters: readonly Cluster[], prefixName = false): string[][] {
  const head = ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'];
  const rows: string[][] = [prefixName ? ['NAME', ...head] : head];
  const list = [...clusters].sort((a, b) => compareSubsetKeys(subsetKey(a.name), subsetKey(b.name)));
  for (const c of list) {
    const k = subsetKey(c.name);
    const type = c.type ?? 'STATIC';
    const lead = prefixName ? [`cluster/${c.name}`] : [];
    const dr = describeManagement(c.metadata);
    if (k.parsed) rows.push([...lead, k.fqdn, String(k.port), k.subset || '-', k.direction, type, dr]);
    else rows.push([...lead, prefixName ? `cluster/${c.name}` : c.name, '-', '-', '-', type, dr]);
  }
  return rows;
}

export function renderClusters(clusters: readonly Cluster[], prefixName = false): string {
  return tabulate(clusterRows(clusters, prefixName), TABLE_PADDING);
}
