/**
 * Envoy's admin `/config_dump` of the proxy's runtime snapshot, in proto3 JSON (camelCase, as the
 * rest of Trellis and `trellis proxy-config --file` read it): a ConfigDump whose `configs` are, in
 * Envoy's order, BootstrapConfigDump (the node), ClustersConfigDump (dynamicActiveClusters and
 * dynamicWarmingClusters), ListenersConfigDump (dynamicListeners[].activeState/warmingState),
 * RoutesConfigDump (dynamicRouteConfigs) and EndpointsConfigDump (dynamicEndpointConfigs; Envoy
 * only adds it with `?include_eds`, Trellis always does), every resource packed as an Any with
 * `@type`, with the version it came in and `lastUpdated` (RFC 3339, the time its type was last
 * accepted). `resource=` filters to one dump type like Envoy's `?resource=dynamic_listeners`
 * is not supported; `?mask` neither. Pure.
 */
import { TypeUrl, type ResourceTypeUrl } from '../../api/envoy/common.js';
import type { Node } from '../../api/xds/index.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';

export const AdminTypeUrl = {
  ConfigDump: 'type.googleapis.com/envoy.admin.v3.ConfigDump',
  BootstrapConfigDump: 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
  ClustersConfigDump: 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
  EndpointsConfigDump: 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
  ListenersConfigDump: 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
  RoutesConfigDump: 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
} as const;

export interface ConfigDumpInput {
  /** The snapshot in effect. */
  active: RuntimeSnapshot;
  /** The latest accepted one (differs while warming); its extra resources show as warming. */
  latest?: RuntimeSnapshot;
  node?: Node;
  /** When each type's version was accepted (ms since the epoch). */
  lastUpdated?: Readonly<Partial<Record<ResourceTypeUrl, number>>>;
  /** When the process started (the bootstrap's lastUpdated). */
  startedAt?: number;
  adminAddress?: { address: string; port: number };
}

function pack(typeUrl: string, r: object): Record<string, unknown> {
  return { '@type': typeUrl, ...r };
}

function ts(ms: number | undefined): { lastUpdated?: string } {
  return ms === undefined ? {} : { lastUpdated: new Date(ms).toISOString() };
}

/** Names whose entry in `latest` is absent from, or not the same object as, `active`. */
function warmingNames<V>(active: ReadonlyMap<string, V>, latest: ReadonlyMap<string, V> | undefined): string[] {
  if (!latest) return [];
  return [...latest.keys()].filter((n) => active.get(n) !== latest.get(n));
}

export function configDump(i: ConfigDumpInput): { configs: Record<string, unknown>[] } {
  const a = i.active;
  const l = i.latest && i.latest !== a ? i.latest : undefined;
  const v = (s: RuntimeSnapshot, t: ResourceTypeUrl) => s.versions[t] ?? '';
  const at = (t: ResourceTypeUrl) => ts(i.lastUpdated?.[t]);
  const configs: Record<string, unknown>[] = [];
  configs.push({
    '@type': AdminTypeUrl.BootstrapConfigDump,
    bootstrap: {
      ...(i.node ? { node: i.node } : {}),
      dynamicResources: { adsConfig: { apiType: 'GRPC', transportApiVersion: 'V3' }, cdsConfig: { ads: {}, resourceApiVersion: 'V3' }, ldsConfig: { ads: {}, resourceApiVersion: 'V3' } },
      ...(i.adminAddress ? { admin: { address: { socketAddress: { address: i.adminAddress.address, portValue: i.adminAddress.port } } } } : {}),
    },
    ...ts(i.startedAt),
  });
  const cdsWarm = warmingNames(a.clusters, l?.clusters);
  configs.push({
    '@type': AdminTypeUrl.ClustersConfigDump,
    versionInfo: v(a, TypeUrl.Cluster),
    dynamicActiveClusters: [...a.clusters.values()].map((c) => ({ versionInfo: v(a, TypeUrl.Cluster), cluster: pack(TypeUrl.Cluster, c.cluster), ...at(TypeUrl.Cluster) })),
    ...(cdsWarm.length ? {
      dynamicWarmingClusters: cdsWarm.map((n) => ({ versionInfo: v(l!, TypeUrl.Cluster), cluster: pack(TypeUrl.Cluster, l!.clusters.get(n)!.cluster), ...at(TypeUrl.Cluster) })),
    } : {}),
  });
  const ldsWarm = new Set(warmingNames(a.listeners, l?.listeners));
  const listenerNames = [...a.listeners.keys(), ...[...ldsWarm].filter((n) => !a.listeners.has(n))];
  configs.push({
    '@type': AdminTypeUrl.ListenersConfigDump,
    versionInfo: v(a, TypeUrl.Listener),
    dynamicListeners: listenerNames.map((name) => {
      const act = a.listeners.get(name);
      const warm = ldsWarm.has(name) ? l!.listeners.get(name) : undefined;
      return {
        name,
        ...(act ? { activeState: { versionInfo: v(a, TypeUrl.Listener), listener: pack(TypeUrl.Listener, act.listener), ...at(TypeUrl.Listener) } } : {}),
        ...(warm ? { warmingState: { versionInfo: v(l!, TypeUrl.Listener), listener: pack(TypeUrl.Listener, warm.listener), ...at(TypeUrl.Listener) } } : {}),
      };
    }),
  });
  configs.push({
    '@type': AdminTypeUrl.RoutesConfigDump,
    dynamicRouteConfigs: [...a.routes.values()].map((r) => ({ versionInfo: v(a, TypeUrl.RouteConfiguration), routeConfig: pack(TypeUrl.RouteConfiguration, r.config), ...at(TypeUrl.RouteConfiguration) })),
  });
  configs.push({
    '@type': AdminTypeUrl.EndpointsConfigDump,
    dynamicEndpointConfigs: [...a.endpoints.values()].map((e) => ({ versionInfo: v(a, TypeUrl.ClusterLoadAssignment), endpointConfig: pack(TypeUrl.ClusterLoadAssignment, e), ...at(TypeUrl.ClusterLoadAssignment) })),
  });
  return { configs };
}
