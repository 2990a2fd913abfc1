/**
 * The shapes Envoy's admin `/config_dump?include_eds` prints, in proto3 JSON: a ConfigDump whose
 * `configs` are, in Envoy's order, ClustersConfigDump (dynamicActiveClusters), EndpointsConfigDump
 * (dynamicEndpointConfigs), ListenersConfigDump (dynamicListeners[].activeState) and
 * RoutesConfigDump (dynamicRouteConfigs), each resource packed as an Any. Bootstrap, secrets and
 * `lastUpdated` timestamps are left out (there is no running proxy). Pure data shaping.
 */
import { TypeUrl } from '../../api/envoy/common.js';
import type { ProxyConfig } from '../../compile/index.js';

export const AdminTypeUrl = {
  ConfigDump: 'type.googleapis.com/envoy.admin.v3.ConfigDump',
  ClustersConfigDump: 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
  EndpointsConfigDump: 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
  ListenersConfigDump: 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
  RoutesConfigDump: 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
} as const;

export interface ConfigDump {
  configs: Record<string, unknown>[];
}

function pack<T extends object>(typeUrl: string, resource: T): Record<string, unknown> {
  return { '@type': typeUrl, ...resource };
}

/** The config dump of one proxy's compiled resources, all at `version`. */
export function configDump(cfg: ProxyConfig, version: string): ConfigDump {
  return {
    configs: [
      {
        '@type': AdminTypeUrl.ClustersConfigDump,
        versionInfo: version,
        dynamicActiveClusters: cfg.clusters.map((c) => ({ versionInfo: version, cluster: pack(TypeUrl.Cluster, c) })),
      },
      {
        '@type': AdminTypeUrl.EndpointsConfigDump,
        dynamicEndpointConfigs: cfg.endpoints.map((e) => ({ versionInfo: version, endpointConfig: pack(TypeUrl.ClusterLoadAssignment, e) })),
      },
      {
        '@type': AdminTypeUrl.ListenersConfigDump,
        versionInfo: version,
        dynamicListeners: cfg.listeners.map((l) => ({
          name: l.name,
          activeState: { versionInfo: version, listener: pack(TypeUrl.Listener, l) },
        })),
      },
      {
        '@type': AdminTypeUrl.RoutesConfigDump,
        dynamicRouteConfigs: cfg.routes.map((r) => ({ versionInfo: version, routeConfig: pack(TypeUrl.RouteConfiguration, r) })),
      },
    ],
  };
}
