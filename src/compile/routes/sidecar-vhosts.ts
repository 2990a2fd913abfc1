/**
 * A sidecar's virtual hosts for one outbound port (Istio's BuildSidecarOutboundVirtualHosts and
 * BuildSidecarVirtualHostWrapper): each mesh VirtualService that has routes on this port claims
 * its hosts (the first VirtualService for a host wins; Istio does not merge them for sidecars),
 * every other HTTP service gets the default route, and each virtual host answers to the domains
 * Istio generates, with duplicates dropped. Pure.
 */
import type { Route, VirtualHost } from '../../api/envoy/route.js';
import { outboundCluster, virtualHostName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';
import { consistentHashToHashPolicy, hashForDestination, hashForService } from './hash.js';
import { convertRetryPolicy } from './retry.js';
import { egressServices, egressVirtualServices, isHttpOrSniffed } from './egress.js';
import { hostMatches, isWildcard, serviceDomains } from './hosts.js';
import { MESH_GATEWAY, type RouteOptions } from './options.js';
import type { VirtualService } from './resolve.js';
import { applyTimeout, buildVirtualServiceRoutes } from './translate.js';

interface Wrapper {
  port: number;
  services: Service[];
  vsHosts: string[];
  routes: Route[];
}

/** Istio's default outbound route for a service port with no VirtualService. */
export function defaultRoute(cluster: string, hostname: string, port: number, snapshot: Snapshot, proxy: Proxy): Route {
  const route: Route = {
    name: 'default',
    match: { prefix: '/', caseSensitive: true },
    decorator: { operation: `${virtualHostName(hostname, port)}/*` },
    route: { cluster },
  };
  route.route!.retryPolicy = convertRetryPolicy(undefined, false);
  applyTimeout(route.route!, undefined, false);
  const hp = consistentHashToHashPolicy(hashForService(snapshot, proxy, hostname, port));
  if (hp) route.route!.hashPolicy = [hp];
  return route;
}

/** For each service, the VirtualService whose host matches it most specifically (first VS wins ties). */
function mostSpecificVs(vss: readonly VirtualService[], services: readonly Service[]): Map<string, VirtualService> {
  const exact = new Map<string, VirtualService>();
  const wild = new Map<string, VirtualService>();
  for (const vs of vss) {
    for (const h of vs.spec.hosts ?? []) {
      const m = isWildcard(h) ? wild : exact;
      if (!m.has(h)) m.set(h, vs);
    }
  }
  const out = new Map<string, VirtualService>();
  for (const s of services) {
    const e = exact.get(s.hostname);
    if (e) {
      out.set(s.hostname, e);
      continue;
    }
    let best: string | undefined;
    for (const w of wild.keys()) if (hostMatches(w, s.hostname) && (!best || w.length > best.length)) best = w;
    if (best) out.set(s.hostname, wild.get(best)!);
  }
  return out;
}

function separateHosts(vs: VirtualService, byName: ReadonlyMap<string, Service>, specific: ReadonlyMap<string, VirtualService>): { hosts: string[]; services: Service[] } {
  const hosts: string[] = [];
  const services: Service[] = [];
  const wild: string[] = [];
  for (const raw of vs.spec.hosts ?? []) {
    const h = raw.toLowerCase();
    if (isWildcard(h)) wild.push(h);
    else if (byName.has(h)) services.push(byName.get(h)!);
    else hosts.push(raw);
  }
  for (const h of wild) {
    let found = false;
    for (const [name, svc] of byName) {
      if (!hostMatches(name, h)) continue;
      found = true;
      const owner = specific.get(name);
      if (owner && owner.namespace === vs.namespace && owner.name === vs.name) services.push(svc);
    }
    if (!found) hosts.push(h);
  }
  return { hosts, services };
}

/** VirtualServices with a host matching one of `byName` (Istio's selectVirtualServices). */
function selectVirtualServices(vss: readonly VirtualService[], byName: ReadonlyMap<string, Service>): VirtualService[] {
  return vss.filter((vs) =>
    (vs.spec.hosts ?? []).some((raw) => {
      const h = raw.toLowerCase();
      if (byName.has(h)) return true;
      for (const name of byName.keys()) if ((isWildcard(h) || isWildcard(name)) && hostMatches(h, name)) return true;
      return false;
    }),
  );
}

/** Services on `port`, by lower-case hostname, each narrowed to that one port. */
function servicesOnPort(services: readonly Service[], port: number): Map<string, Service> {
  const out = new Map<string, Service>();
  for (const s of services) {
    const p = s.ports.find((x) => x.port === port);
    const h = s.hostname.toLowerCase();
    if (!p || out.has(h)) continue;
    out.set(h, { ...s, hostname: h, ports: [p] });
  }
  return out;
}

function wrappersFor(snapshot: Snapshot, proxy: Proxy, port: number): Wrapper[] {
  const byName = servicesOnPort(egressServices(snapshot, proxy, port), port);
  let vss = egressVirtualServices(snapshot, proxy, port);
  if (port !== 80) vss = selectVirtualServices(vss, byName);
  const specific = mostSpecificVs(vss, [...byName.values()]);
  const opts: RouteOptions = {
    snapshot,
    proxy,
    listenPort: port,
    gatewayNames: new Set([MESH_GATEWAY]),
    isTls: false,
    lookupService: (h) => byName.get(h),
    lookupHash: (d) => hashForDestination(snapshot, proxy, d),
  };
  const out: Wrapper[] = [];
  for (const vs of vss) {
    const routes = buildVirtualServiceRoutes(vs, opts);
    if (!routes) continue;
    const { hosts, services } = separateHosts(vs, byName, specific);
    const httpServices = services.filter((s) => s.ports.some((p) => isHttpOrSniffed(p.protocol)));
    if (httpServices.length) out.push({ port, services: httpServices, vsHosts: hosts, routes });
    else if (port === 80) out.push({ port: 80, services: [], vsHosts: hosts, routes });
  }
  const claimed = new Set(out.flatMap((w) => w.services.map((s) => s.hostname)));
  const rest = [...byName.values()].filter((s) => !claimed.has(s.hostname)).sort((a, b) => (a.hostname < b.hostname ? -1 : 1));
  for (const s of rest) {
    const p = s.ports[0]!;
    if (!isHttpOrSniffed(p.protocol)) continue;
    const route = defaultRoute(outboundCluster(s.hostname, p.port), s.hostname, p.port, snapshot, proxy);
    out.push({ port: p.port, services: [s], vsHosts: [], routes: [route] });
  }
  return out;
}

/**
 * Virtual hosts of the outbound route for `port`, unsorted and without the catch-all. `withPorts`
 * adds `:PORT` domain variants (proxyless gRPC, which does not ignore ports in host matching).
 */
export function sidecarVirtualHosts(snapshot: Snapshot, proxy: Proxy, port: number, withPorts: boolean): VirtualHost[] {
  const wrappers = wrappersFor(snapshot, proxy, port);
  const names = new Set<string>();
  const usedDomains = new Set<string>();
  const knownFqdn = new Set<string>();
  for (const w of wrappers) for (const s of w.services) knownFqdn.add(virtualHostName(s.hostname, w.port)).add(s.hostname);
  const out: VirtualHost[] = [];
  const build = (hostname: string, w: Wrapper, svc: Service | undefined): void => {
    const name = virtualHostName(hostname, w.port);
    if (names.has(name)) return;
    names.add(name);
    let domains: string[];
    let alt: string[] = [];
    if (!svc) domains = withPorts ? [hostname, name] : [hostname];
    else ({ domains, alt } = serviceDomains(svc, proxy.namespace, withPorts ? w.port : 0));
    const kept: string[] = [];
    for (const d of domains) {
      const lower = d.toLowerCase();
      if (usedDomains.has(lower)) continue;
      if (alt.includes(d) && knownFqdn.has(d)) continue;
      kept.push(d);
      usedDomains.add(lower);
    }
    if (kept.length) out.push({ name, domains: kept, routes: w.routes, includeRequestAttemptCount: true });
  };
  for (const w of wrappers) {
    if (w.routes.length === 0) continue;
    for (const h of w.vsHosts) build(h.toLowerCase(), w, undefined);
    for (const s of w.services) build(s.hostname, w, s);
  }
  return out;
}
