/**
 * What a filter chain ends in: an HTTP connection manager (its RDS name or inline route
 * configuration), a tcp_proxy (one cluster or weighted clusters), or sni_cluster (the SNI is the
 * cluster name). Reads the last network filter; pure.
 */
import type { FilterChain, HttpConnectionManager, TcpProxy } from '../../api/envoy/listener.js';
import { FilterName } from '../../api/envoy/listener.js';
import type { RouteConfiguration } from '../../api/envoy/route.js';

export type ChainTerminal =
  | { kind: 'http'; filter: string; rds?: string; routeConfig?: RouteConfiguration; hcm: HttpConnectionManager }
  | { kind: 'tcp'; filter: string; cluster?: string; weightedClusters?: { name: string; weight: number }[]; tcp: TcpProxy }
  | { kind: 'sni_cluster'; filter: string }
  | { kind: 'none'; filter?: string };

export function chainTerminal(chain: FilterChain | undefined): ChainTerminal {
  const f = chain?.filters.at(-1);
  if (!f) return { kind: 'none' };
  if (f.name === FilterName.HttpConnectionManager) {
    const hcm = f.typedConfig as HttpConnectionManager;
    return { kind: 'http', filter: f.name, rds: hcm.rds?.routeConfigName, routeConfig: hcm.routeConfig, hcm };
  }
  if (f.name === FilterName.TcpProxy) {
    const tcp = f.typedConfig as TcpProxy;
    return { kind: 'tcp', filter: f.name, cluster: tcp.cluster, weightedClusters: tcp.weightedClusters?.clusters, tcp };
  }
  if (chain!.filters.some((x) => x.name === FilterName.SniCluster)) return { kind: 'sni_cluster', filter: FilterName.SniCluster };
  return { kind: 'none', filter: f.name };
}
