/**
 * The runtime snapshot: the xDS resources the proxy has accepted, by type and name, with what
 * is compiled from them once (route tables, the RDS and EDS names they refer to) and the version
 * of each type. Immutable: `apply` makes a new snapshot from this one plus one SotW
 * DiscoveryResponse, or refuses the whole response with the reason to NACK; the previous one is
 * never touched, so a request that took a reference keeps a consistent view to the end.
 *
 * SotW rules (xDS protocol): a Listener or Cluster response is the complete set (absent names are
 * removed); a RouteConfiguration or ClusterLoadAssignment response carries only the resources it
 * names (others are kept while still referenced). Routes no listener refers to and assignments
 * no EDS cluster refers to are dropped. `warming()` lists what the snapshot still waits for
 * (EDS clusters without an assignment, RDS names without a route configuration), which the xDS
 * client uses to decide when to swap. Must not do I/O.
 */
import { TypeUrl, type ResourceTypeUrl } from '../../api/envoy/common.js';
import type { HttpConnectionManager, Listener } from '../../api/envoy/listener.js';
import type { RouteConfiguration } from '../../api/envoy/route.js';
import type { Cluster } from '../../api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../../api/envoy/endpoint.js';
import { compileRouteTable, type RouteTable } from '../router/index.js';
import { clusterProblems, edsServiceName, listenerProblems, listenerRouteNames, loadAssignmentProblems, routeConfigProblems } from './validate.js';

export interface ListenerEntry {
  readonly listener: Listener;
  /** RDS names its HTTP connection managers use. */
  readonly routeNames: readonly string[];
  /** Route tables of inline route_config, by the HCM that carries it. */
  readonly inlineTables: ReadonlyMap<HttpConnectionManager, RouteTable>;
}

export interface RouteEntry {
  readonly config: RouteConfiguration;
  readonly table: RouteTable;
}

export interface ClusterEntry {
  readonly cluster: Cluster;
  /** The ClusterLoadAssignment name of an EDS cluster. */
  readonly edsName?: string;
}

/** One SotW DiscoveryResponse, resources already decoded to proto3 JSON. */
export interface TypeUpdate {
  typeUrl: string;
  versionInfo: string;
  resources: readonly object[];
}

export type ApplyResult = { ok: true; snapshot: RuntimeSnapshot } | { ok: false; error: string };

export const SHORT_TYPE: Readonly<Record<ResourceTypeUrl, string>> = {
  [TypeUrl.Listener]: 'LDS',
  [TypeUrl.RouteConfiguration]: 'RDS',
  [TypeUrl.Cluster]: 'CDS',
  [TypeUrl.ClusterLoadAssignment]: 'EDS',
};

const KIND: Readonly<Record<ResourceTypeUrl, string>> = {
  [TypeUrl.Listener]: 'listener',
  [TypeUrl.RouteConfiguration]: 'route configuration',
  [TypeUrl.Cluster]: 'cluster',
  [TypeUrl.ClusterLoadAssignment]: 'cluster load assignment',
};

function isResourceType(t: string): t is ResourceTypeUrl {
  return t in KIND;
}

function nameOf(typeUrl: ResourceTypeUrl, r: object): string {
  const o = r as { name?: unknown; clusterName?: unknown };
  const n = typeUrl === TypeUrl.ClusterLoadAssignment ? o.clusterName : o.name;
  return typeof n === 'string' ? n : '';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function buildListener(l: Listener): ListenerEntry {
  const inline = new Map<HttpConnectionManager, RouteTable>();
  for (const c of [...(l.filterChains ?? []), ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])]) {
    for (const f of c.filters ?? []) {
      const hcm = f.typedConfig as HttpConnectionManager;
      if (hcm.routeConfig) inline.set(hcm, compileRouteTable(hcm.routeConfig));
    }
  }
  return { listener: l, routeNames: listenerRouteNames(l), inlineTables: inline };
}

interface Parts {
  listeners: ReadonlyMap<string, ListenerEntry>;
  routes: ReadonlyMap<string, RouteEntry>;
  clusters: ReadonlyMap<string, ClusterEntry>;
  endpoints: ReadonlyMap<string, ClusterLoadAssignment>;
  versions: Readonly<Partial<Record<ResourceTypeUrl, string>>>;
}

export class RuntimeSnapshot {
  readonly listeners: ReadonlyMap<string, ListenerEntry>;
  readonly routes: ReadonlyMap<string, RouteEntry>;
  readonly clusters: ReadonlyMap<string, ClusterEntry>;
  readonly endpoints: ReadonlyMap<string, ClusterLoadAssignment>;
  /** version_info accepted per type URL. */
  readonly versions: Readonly<Partial<Record<ResourceTypeUrl, string>>>;

  private constructor(p: Parts) {
    this.listeners = p.listeners;
    this.routes = p.routes;
    this.clusters = p.clusters;
    this.endpoints = p.endpoints;
    this.versions = Object.freeze({ ...p.versions });
    Object.freeze(this);
  }

  static empty(): RuntimeSnapshot {
    return new RuntimeSnapshot({ listeners: new Map(), routes: new Map(), clusters: new Map(), endpoints: new Map(), versions: {} });
  }

  /** RDS names the listeners refer to, sorted. */
  routeNames(): string[] {
    const s = new Set<string>();
    for (const l of this.listeners.values()) for (const n of l.routeNames) s.add(n);
    return [...s].sort();
  }

  /** EDS names the clusters refer to, sorted. */
  edsNames(): string[] {
    const s = new Set<string>();
    for (const c of this.clusters.values()) if (c.edsName) s.add(c.edsName);
    return [...s].sort();
  }

  /** What is referenced but not here yet (Envoy's warming). */
  warming(): { clusters: string[]; routes: string[] } {
    return {
      clusters: this.edsNames().filter((n) => !this.endpoints.has(n)),
      routes: this.routeNames().filter((n) => !this.routes.has(n)),
    };
  }

  isWarm(): boolean {
    const w = this.warming();
    return w.clusters.length === 0 && w.routes.length === 0;
  }

  /** The route table an HTTP connection manager uses: its inline one, or its RDS one. */
  routeTableFor(hcm: HttpConnectionManager): RouteTable | undefined {
    if (hcm.routeConfig) {
      for (const l of this.listeners.values()) {
        const t = l.inlineTables.get(hcm);
        if (t) return t;
      }
      return undefined;
    }
    const name = hcm.rds?.routeConfigName;
    return name === undefined ? undefined : this.routes.get(name)?.table;
  }

  /** The assignment of a cluster: its EDS one, or its inline load_assignment. */
  loadAssignmentFor(clusterName: string): ClusterLoadAssignment | undefined {
    const c = this.clusters.get(clusterName);
    if (!c) return undefined;
    return c.edsName ? this.endpoints.get(c.edsName) : c.cluster.loadAssignment;
  }

  /** This snapshot plus one response, or the reason the whole response is refused. */
  apply(update: TypeUpdate): ApplyResult {
    const typeUrl = update.typeUrl;
    if (!isResourceType(typeUrl)) return { ok: false, error: `unsupported resource type ${typeUrl}` };
    const kind = KIND[typeUrl];
    const problems: string[] = [];
    const byName = new Map<string, object>();
    update.resources.forEach((r, i) => {
      const t = (r as { '@type'?: unknown })['@type'];
      if (t !== undefined && t !== typeUrl) return void problems.push(`resource ${i}: type ${String(t)} in a ${typeUrl} response`);
      const name = nameOf(typeUrl, r);
      if (!name) return void problems.push(`${kind} #${i}: no name`);
      if (byName.has(name)) return void problems.push(`duplicate ${kind} ${name} found`);
      byName.set(name, r);
    });
    if (problems.length) return { ok: false, error: problems.join('; ') };
    const versions = { ...this.versions, [typeUrl]: update.versionInfo };
    try {
      switch (typeUrl) {
        case TypeUrl.Listener: {
          const listeners = new Map<string, ListenerEntry>();
          for (const [name, r] of byName) {
            const l = r as Listener;
            const ps = listenerProblems(l);
            if (ps.length) problems.push(...ps.map((p) => `${kind} ${name}: ${p}`));
            else listeners.set(name, this.guard(kind, name, problems, () => buildListener(l)));
          }
          if (problems.length) break;
          const names = new Set([...listeners.values()].flatMap((l) => l.routeNames));
          const routes = new Map([...this.routes].filter(([n]) => names.has(n)));
          return this.next({ listeners, routes, versions });
        }
        case TypeUrl.RouteConfiguration: {
          const routes = new Map(this.routes);
          for (const [name, r] of byName) {
            const rc = r as RouteConfiguration;
            const ps = routeConfigProblems(rc);
            if (ps.length) problems.push(...ps.map((p) => `${kind} ${name}: ${p}`));
            else routes.set(name, { config: rc, table: this.guard(kind, name, problems, () => compileRouteTable(rc)) });
          }
          if (problems.length) break;
          const wanted = new Set(this.routeNames());
          return this.next({ routes: new Map([...routes].filter(([n]) => wanted.has(n) || byName.has(n))), versions });
        }
        case TypeUrl.Cluster: {
          const clusters = new Map<string, ClusterEntry>();
          for (const [name, r] of byName) {
            const c = r as Cluster;
            const ps = clusterProblems(c);
            if (ps.length) problems.push(...ps.map((p) => `${kind} ${name}: ${p}`));
            const eds = edsServiceName(c);
            clusters.set(name, eds ? { cluster: c, edsName: eds } : { cluster: c });
          }
          if (problems.length) break;
          const names = new Set([...clusters.values()].flatMap((c) => (c.edsName ? [c.edsName] : [])));
          const endpoints = new Map([...this.endpoints].filter(([n]) => names.has(n)));
          return this.next({ clusters, endpoints, versions });
        }
        case TypeUrl.ClusterLoadAssignment: {
          const endpoints = new Map(this.endpoints);
          for (const [name, r] of byName) {
            const cla = r as ClusterLoadAssignment;
            const ps = loadAssignmentProblems(cla);
            if (ps.length) problems.push(...ps.map((p) => `${kind} ${name}: ${p}`));
            else endpoints.set(name, cla);
          }
          if (problems.length) break;
          const wanted = new Set(this.edsNames());
          return this.next({ endpoints: new Map([...endpoints].filter(([n]) => wanted.has(n) || byName.has(n))), versions });
        }
      }
    } catch (e) {
      problems.push(message(e));
    }
    return { ok: false, error: problems.join('; ') };
  }

  private guard<T>(kind: string, name: string, problems: string[], fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      problems.push(`${kind} ${name}: ${message(e)}`);
      return undefined as T;
    }
  }

  private next(change: Partial<Parts>): ApplyResult {
    return {
      ok: true,
      snapshot: new RuntimeSnapshot({
        listeners: change.listeners ?? this.listeners,
        routes: change.routes ?? this.routes,
        clusters: change.clusters ?? this.clusters,
        endpoints: change.endpoints ?? this.endpoints,
        versions: change.versions ?? this.versions,
      }),
    };
  }
}
