/**
 * The services a proxy may reach, as Istio's SidecarScope selects them (pilot/pkg/model/sidecar.go
 * selectServices / matchingService): start from the services exported to the proxy's namespace;
 * for each egress listener, a service is imported when a host entry for its own namespace
 * (`ns/host`) or for any namespace (`*\/host`) covers its hostname (exact, or the hostname is a
 * subset of a wildcard; `~/…` imports nothing); a listener with a port keeps only that port of the
 * service (no such port, not imported). Destinations of the VirtualServices a listener imports
 * are added too (the proxy's namespace, else the first namespace alphabetically). Per listener,
 * one namespace per hostname (the proxy's, else the first); across listeners the first one wins
 * and the ports of one service imported by several listeners are merged. Without a Sidecar
 * (Istio's default scope) every exported service, one per hostname (first defined, Kubernetes
 * Services before ServiceEntries).
 */
import type { Service } from '../registry/types.js';
import type { VirtualServiceSpec } from '../api/istio/virtual-service.js';
import { hostSubsetOf, hostsMatch, visibleFrom } from '../common/hosts.js';
import type { ConfigObject, EgressHost, SidecarEgress, SidecarScope } from './types.js';
import { virtualServiceDestinations, virtualServiceHosts, virtualServiceVisibleFrom } from './virtual-services.js';

type VS = ConfigObject<VirtualServiceSpec>;

export function serviceVisibleFrom(svc: Service, ns: string): boolean {
  return visibleFrom(svc.exportTo, ns);
}

function hostsFor(hosts: readonly EgressHost[], ns: string): string[] {
  return hosts.filter((h) => h.namespace === ns).map((h) => h.host);
}

function covers(imported: readonly string[], hostname: string): boolean {
  return imported.some((h) => h === hostname || hostSubsetOf(hostname, h));
}

/** The service restricted to the listener's port; undefined when it has no such port. */
function withListenerPort(svc: Service, l: SidecarEgress): Service | undefined {
  // Istio's needsPortMatch: a listener with a port (other than an HTTP_PROXY one) keeps that port only.
  if (!l.port || !l.port.number || l.port.protocol.toUpperCase() === 'HTTP_PROXY') return svc;
  const ports = svc.ports.filter((p) => p.port === l.port!.number);
  return ports.length === 0 ? undefined : ports.length === svc.ports.length ? svc : { ...svc, ports };
}

/** Istio's egress host match for one service: own-namespace entries first, then `*` entries. */
export function listenerImports(l: SidecarEgress, svc: Service): boolean {
  return covers(hostsFor(l.hosts, svc.namespace), svc.hostname) || covers(hostsFor(l.hosts, '*'), svc.hostname);
}

/** VirtualServices (mesh-bound, visible from `ns`) whose hosts an egress listener imports. */
export function listenerVirtualServices(l: SidecarEgress, meshVs: readonly VS[], ns: string): VS[] {
  return meshVs.filter((vs) => {
    if (!virtualServiceVisibleFrom(vs, ns)) return false;
    const imported = [...hostsFor(l.hosts, vs.namespace), ...hostsFor(l.hosts, '*')];
    return virtualServiceHosts(vs).some((vh) => imported.some((h) => hostsMatch(vh, h)));
  });
}

/** Istio's selectServices for one listener: imported services, one namespace per hostname. */
function selectServices(l: SidecarEgress, exported: readonly Service[], ns: string): Service[] {
  const imported: Service[] = [];
  for (const s of exported) {
    if (!listenerImports(l, s)) continue;
    const sp = withListenerPort(s, l);
    if (sp) imported.push(sp);
  }
  const pick = new Map<string, string>();
  for (const s of imported) if (!pick.has(s.hostname) || s.namespace === ns) pick.set(s.hostname, s.namespace);
  return imported.filter((s) => pick.get(s.hostname) === s.namespace);
}

/**
 * Istio's default scope (no Sidecar): every exported service; for a hostname defined more than
 * once, the first (oldest) one, except that a Kubernetes Service beats a ServiceEntry.
 */
function defaultScopeServices(exported: readonly Service[]): Service[] {
  const chosen = new Map<string, Service>();
  for (const s of exported) {
    const prev = chosen.get(s.hostname);
    if (!prev || (prev.origin.kind !== 'Service' && s.origin.kind === 'Service')) chosen.set(s.hostname, s);
  }
  return exported.filter((s) => chosen.get(s.hostname) === s);
}

export function computeVisibleServices(
  services: readonly Service[], scope: SidecarScope, meshVs: readonly VS[], ns: string,
): Service[] {
  const exported = services.filter((s) => serviceVisibleFrom(s, ns));
  if (!scope.sidecar) return defaultScopeServices(exported);

  // Istio's addService: first one per hostname wins; ports of the same service are merged.
  const chosen = new Map<string, Service>();
  const order: string[] = [];
  const add = (s: Service) => {
    const prev = chosen.get(s.hostname);
    if (!prev) {
      chosen.set(s.hostname, s);
      order.push(s.hostname);
    } else if (prev.namespace === s.namespace) {
      const extra = s.ports.filter((p) => !prev.ports.some((q) => q.port === p.port));
      if (extra.length > 0) chosen.set(s.hostname, { ...prev, ports: [...prev.ports, ...extra] });
    }
  };
  for (const l of scope.egress) {
    for (const s of selectServices(l, exported, ns)) add(s);
    // Destinations of the VirtualServices this listener imports (never overriding the above):
    // the service in the proxy's namespace, else the first namespace alphabetically.
    for (const vs of listenerVirtualServices(l, meshVs, ns)) {
      for (const h of virtualServiceDestinations(vs)) {
        const candidates = exported.filter((s) => s.hostname === h);
        const s = candidates.find((c) => c.namespace === ns) ??
          [...candidates].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0))[0];
        const sp = s && withListenerPort(s, l);
        if (sp) add(sp);
      }
    }
  }
  return order.map((h) => chosen.get(h)!);
}
