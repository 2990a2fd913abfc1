/**
 * `/debug/config_dump?proxyID=…`: what the control plane last sent to one proxy, in the shape of
 * Envoy's admin `/config_dump` (and of istiod's debug endpoint of the same name): a ConfigDump
 * whose `configs` are ClustersConfigDump (dynamicActiveClusters), EndpointsConfigDump
 * (dynamicEndpointConfigs; only with `include_eds`, as in istiod and Envoy), ListenersConfigDump
 * (dynamicListeners[].activeState) and RoutesConfigDump (dynamicRouteConfigs), each resource
 * packed as an Any, each entry with the version of its type. A type whose last response was
 * NACKed carries Envoy's `errorState` (details = the NACK message) on its entries. The same
 * builder (envoyConfigDumpOfTypes) makes what `trellis proxy-config all -o json` prints offline
 * (src/cli/proxy-config/config-dump.ts), there always with `include_eds`.
 *
 * Also the way back: the listeners, routes, clusters and load assignments inside such a dump,
 * for `trellis proxy-config --xds`, which renders them with the offline tables. Pure.
 */
import { TypeUrl } from '../../api/envoy/common.js';
import type { Cluster } from '../../api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../../api/envoy/endpoint.js';
import type { Listener } from '../../api/envoy/listener.js';
import type { RouteConfiguration } from '../../api/envoy/route.js';
import type { ConfigDump as ServerConfigDump, TypeSyncStatus } from '../types.js';
import { standingNack } from './syncz.js';

export const AdminTypeUrl = {
  ConfigDump: 'type.googleapis.com/envoy.admin.v3.ConfigDump',
  ClustersConfigDump: 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
  EndpointsConfigDump: 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
  ListenersConfigDump: 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
  RoutesConfigDump: 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
} as const;

export interface EnvoyConfigDump {
  configs: Record<string, unknown>[];
}

/** The resources of one proxy by type, as the four xDS types the dump shows. */
export interface DumpedConfig {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
}

interface TypeEntry {
  version?: string;
  resources: readonly object[];
  errorState?: Record<string, unknown>;
}

function pack(typeUrl: string, resource: object): Record<string, unknown> {
  return { '@type': typeUrl, ...resource };
}

function versioned(version: string | undefined): Record<string, unknown> {
  return version === undefined ? {} : { versionInfo: version };
}

function withError(e: TypeEntry): Record<string, unknown> {
  return e.errorState ? { errorState: e.errorState } : {};
}

/** One xDS type's resources, all at `version` (a ServerConfigDump's `types` entry fits). */
export interface DumpedType {
  typeUrl: string;
  version?: string;
  resources: readonly object[];
}

function entryOf(types: readonly DumpedType[], typeUrl: string, status: TypeSyncStatus | undefined): TypeEntry {
  const t = types.find((x) => x.typeUrl === typeUrl);
  if (!t) return { resources: [] };
  const out: TypeEntry = { resources: t.resources, ...(t.version !== undefined ? { version: t.version } : {}) };
  if (status?.lastNack && standingNack(status)) {
    out.errorState = {
      details: status.lastNack.message,
      versionInfo: status.lastNack.version,
      lastUpdateAttempt: new Date(status.lastNack.at).toISOString(),
    };
  }
  return out;
}

/**
 * The Envoy-shaped dump of what the server last sent to one connection. `statuses` (that
 * connection's per-type status) adds `errorState` to NACKed types.
 */
export function envoyConfigDump(dump: ServerConfigDump, statuses: readonly TypeSyncStatus[] = [], includeEds = false): EnvoyConfigDump {
  return envoyConfigDumpOfTypes(dump.types, statuses, includeEds);
}

/**
 * The Envoy-shaped dump of resources by type (types not listed dump empty, unversioned).
 * `statuses` adds `errorState` to NACKed types; `includeEds` adds the EndpointsConfigDump.
 */
export function envoyConfigDumpOfTypes(types: readonly DumpedType[], statuses: readonly TypeSyncStatus[] = [], includeEds = false): EnvoyConfigDump {
  const get = (typeUrl: string) => entryOf(types, typeUrl, statuses.find((s) => s.typeUrl === typeUrl));
  const cds = get(TypeUrl.Cluster);
  const eds = get(TypeUrl.ClusterLoadAssignment);
  const lds = get(TypeUrl.Listener);
  const rds = get(TypeUrl.RouteConfiguration);
  const configs: Record<string, unknown>[] = [
    {
      '@type': AdminTypeUrl.ClustersConfigDump,
      ...versioned(cds.version),
      dynamicActiveClusters: cds.resources.map((c) => ({ ...versioned(cds.version), cluster: pack(TypeUrl.Cluster, c), ...withError(cds) })),
    },
  ];
  if (includeEds) {
    configs.push({
      '@type': AdminTypeUrl.EndpointsConfigDump,
      dynamicEndpointConfigs: eds.resources.map((e) => ({ ...versioned(eds.version), endpointConfig: pack(TypeUrl.ClusterLoadAssignment, e), ...withError(eds) })),
    });
  }
  configs.push(
    {
      '@type': AdminTypeUrl.ListenersConfigDump,
      ...versioned(lds.version),
      dynamicListeners: lds.resources.map((l) => ({
        name: (l as { name?: unknown }).name,
        activeState: { ...versioned(lds.version), listener: pack(TypeUrl.Listener, l) },
        ...withError(lds),
      })),
    },
    {
      '@type': AdminTypeUrl.RoutesConfigDump,
      dynamicRouteConfigs: rds.resources.map((r) => ({ ...versioned(rds.version), routeConfig: pack(TypeUrl.RouteConfiguration, r), ...withError(rds) })),
    },
  );
  return { configs };
}

// ── The way back ────────────────────────────────────────────────────────────────────────────

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** A packed resource without its `@type` (the form the compiler produces), if it is one. */
function unpack(v: unknown): Record<string, unknown> | undefined {
  if (!isRecord(v)) return undefined;
  const { '@type': _type, ...rest } = v;
  return rest;
}

function collect<T>(items: Record<string, unknown>[], field: (x: Record<string, unknown>) => unknown): T[] {
  const out: T[] = [];
  for (const x of items) {
    const r = unpack(field(x));
    if (r) out.push(r as unknown as T);
  }
  return out;
}

/** Thrown when a document is not an Envoy config dump. */
export class ConfigDumpShapeError extends Error {
  readonly code = 'E_CONFIG_DUMP';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigDumpShapeError';
  }
}

/**
 * The listeners, routes, clusters and load assignments of an Envoy-shaped config dump (dynamic
 * active and static ones, warming listeners' and clusters' too). Throws ConfigDumpShapeError when
 * `dump` has no `configs` list.
 */
export function configFromDump(dump: unknown): DumpedConfig {
  if (!isRecord(dump) || !Array.isArray(dump.configs)) throw new ConfigDumpShapeError('not an Envoy config dump: no "configs" list');
  const out: DumpedConfig = { listeners: [], routes: [], clusters: [], endpoints: [] };
  for (const c of list(dump.configs)) {
    switch (c['@type']) {
      case AdminTypeUrl.ClustersConfigDump:
        out.clusters.push(
          ...collect<Cluster>(list(c.staticClusters), (x) => x.cluster),
          ...collect<Cluster>(list(c.dynamicActiveClusters), (x) => x.cluster),
          ...collect<Cluster>(list(c.dynamicWarmingClusters), (x) => x.cluster),
        );
        break;
      case AdminTypeUrl.EndpointsConfigDump:
        out.endpoints.push(
          ...collect<ClusterLoadAssignment>(list(c.staticEndpointConfigs), (x) => x.endpointConfig),
          ...collect<ClusterLoadAssignment>(list(c.dynamicEndpointConfigs), (x) => x.endpointConfig),
        );
        break;
      case AdminTypeUrl.ListenersConfigDump:
        out.listeners.push(
          ...collect<Listener>(list(c.staticListeners), (x) => x.listener),
          ...collect<Listener>(list(c.dynamicListeners), (x) => (isRecord(x.activeState) ? x.activeState.listener : isRecord(x.warmingState) ? x.warmingState.listener : undefined)),
        );
        break;
      case AdminTypeUrl.RoutesConfigDump:
        out.routes.push(
          ...collect<RouteConfiguration>(list(c.staticRouteConfigs), (x) => x.routeConfig),
          ...collect<RouteConfiguration>(list(c.dynamicRouteConfigs), (x) => x.routeConfig),
        );
        break;
      default:
        break; // bootstrap, secrets, scoped routes, ECDS: not shown by proxy-config's tables
    }
  }
  return out;
}
