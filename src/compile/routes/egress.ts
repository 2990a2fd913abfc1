/**
 * A sidecar's egress scope, shared by the listener and route compilers so that the RDS names
 * the listeners ask for and the route configurations offered agree: the egress listeners with
 * the services their `ns/host` entries import and where they bind (`egressScope`, Istio's
 * default scope being one catch-all over `*\/*`), where an L4 listener for a service binds
 * (`serviceBind`), and the RDS name of an outbound HTTP chain (`outboundRouteName`). And what
 * the outbound HTTP route for one port may see (Istio's GetEgressListenerForRDS and the egress
 * listener's Services()/VirtualServices()): the Sidecar egress listener for that port, else the
 * catch-all one. Without a Sidecar resource every visible service and VirtualService applies.
 */
import { sidecarRouteName, virtualHostName } from '../../api/names.js';
import { MESH_GATEWAY } from '../../model/gateway-names.js';
import type { EgressHost, Proxy, SidecarEgress, Snapshot } from '../../model/types.js';
import type { Service, ServiceProtocol } from '../../registry/types.js';
import { hostMatches, isIpAddress } from './hosts.js';
import { resolveVirtualService, type VirtualService } from './resolve.js';

export const WILDCARD_ADDRESS = '0.0.0.0';
/** Where a listener binds when the proxy (or its egress listener) does not capture traffic. */
export const LOCALHOST = '127.0.0.1';

/** Protocols whose ports get HTTP routes (Istio's IsHTTPOrSniffed; HTTP_PROXY excepted). */
export function isHttpOrSniffed(p: ServiceProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'UNKNOWN';
}

export function egressListenerFor(snapshot: Snapshot, proxy: Proxy, port: number): SidecarEgress | undefined | null {
  const scope = snapshot.sidecarScope(proxy);
  if (!scope.sidecar && scope.egress.length === 0) return null; // no scoping at all
  return scope.egress.find((e) => e.port?.number === port) ?? scope.egress.find((e) => e.port === undefined);
}

/** Whether an egress host (`ns/host`) imports a service or VirtualService host of `namespace`. */
export function hostImported(h: EgressHost, namespace: string, hostname: string): boolean {
  if (h.namespace === '~') return false;
  if (h.namespace !== '*' && h.namespace !== namespace) return false;
  return h.host === '*' || hostMatches(h.host, hostname);
}

/** Services the route for `port` may reach (egress-listener scoped), in the snapshot's order. */
export function egressServices(snapshot: Snapshot, proxy: Proxy, port: number): Service[] {
  const visible = snapshot.visibleServices(proxy);
  const listener = egressListenerFor(snapshot, proxy, port);
  if (listener === null) return [...visible];
  if (!listener) return [];
  return visible.filter((s) => listener.hosts.some((h) => hostImported(h, s.namespace, s.hostname)));
}

/** Mesh-bound VirtualServices (names resolved) the route for `port` may use. */
export function egressVirtualServices(snapshot: Snapshot, proxy: Proxy, port: number): VirtualService[] {
  const all = snapshot.virtualServicesFor(MESH_GATEWAY, proxy.namespace).map(resolveVirtualService);
  const listener = egressListenerFor(snapshot, proxy, port);
  if (listener === null) return all;
  if (!listener) return [];
  return all.filter((vs) => (vs.spec.hosts ?? []).some((h) => listener.hosts.some((e) => hostImported(e, vs.namespace, h))));
}

/** One egress listener of the scope: the visible services it imports and its bind. */
export interface EgressScopeListener {
  listener: SidecarEgress;
  services: Service[];
  /** The listener's bind ('' when the listener address is chosen per service). */
  bind: string;
  bindToPort: boolean;
}

/** The egress listeners of the proxy's scope in order (Istio's default: one catch-all over `*\/*`). */
export function egressScope(snapshot: Snapshot, proxy: Proxy): EgressScopeListener[] {
  const scope = snapshot.sidecarScope(proxy);
  const visible = snapshot.visibleServices(proxy);
  const specs = scope.sidecar?.spec.egress ?? [];
  const egress: readonly SidecarEgress[] = scope.egress.length > 0 ? scope.egress : [{ hosts: [{ namespace: '*', host: '*' }] }];
  const noneMode = proxy.interceptionMode === 'NONE';
  return egress.map((listener, i) => {
    const spec = specs.length === egress.length ? specs[i] : undefined;
    const bindToPort = noneMode || spec?.captureMode === 'NONE' || (spec?.bind ?? '').startsWith('unix://');
    const bind = spec?.bind ? spec.bind : bindToPort ? LOCALHOST : '';
    const services = visible.filter((s) => listener.hosts.some((h) => hostImported(h, s.namespace, s.hostname)));
    return { listener, services, bind, bindToPort };
  });
}

/** Where an L4 (or sniffed) listener for a service binds when its egress listener does not say: its VIP, else 0.0.0.0 (with the CIDR for range addresses). */
export function serviceBind(service: Service): { bind: string; cidr?: string } {
  const address = service.addresses[0] ?? WILDCARD_ADDRESS;
  return address.includes('/') ? { bind: WILDCARD_ADDRESS, cidr: address } : { bind: address };
}

/**
 * The RDS name of an outbound HTTP chain: the port (`8080`), or, for a sniffed port on a
 * listener bound to a service's own address, `HOST:PORT` (Istio's per-service route for sniffed
 * listeners).
 */
export function outboundRouteName(hostname: string, port: number, bind: string, sniffed: boolean): string {
  return sniffed && bind !== WILDCARD_ADDRESS ? virtualHostName(hostname, port) : sidecarRouteName(port);
}

/** A headless service (resolution NONE with no address): L4 listeners go per endpoint address. */
export function isHeadless(service: Service): boolean {
  return service.resolution === 'PASSTHROUGH' && (service.addresses[0] ?? WILDCARD_ADDRESS) === WILDCARD_ADDRESS;
}

/**
 * The binds of a headless service port's L4 listeners (Istio's per-instance listeners): each
 * endpoint IP but the proxy's own; a ServiceEntry without endpoints or selector gets the
 * service-level listener (bind '').
 */
export function headlessBinds(snapshot: Snapshot, proxy: Proxy, service: Service, port: number): string[] {
  const eps = snapshot.endpoints(service.hostname, service.namespace, port);
  if (eps.length === 0 && service.origin.kind !== 'Service' && !service.selector) return [''];
  return eps.map((ep) => ep.address).filter((a) => isIpAddress(a) && a !== proxy.ip);
}
