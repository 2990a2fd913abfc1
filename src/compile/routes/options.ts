/**
 * The context one VirtualService's HTTP routes are translated in: the proxy, the listener port,
 * the gateway names the proxy answers to (`mesh` for sidecars, `ns/name` for a gateway server),
 * whether the server terminates TLS, and how destination hosts are looked up (sidecars see only
 * the services on this port, gateways the VirtualService's namespace first). Types only.
 */
import type { ConsistentHashLB } from '../../api/istio/destination-rule.js';
import type { Destination } from '../../api/istio/virtual-service.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';

export interface RouteOptions {
  snapshot: Snapshot;
  proxy: Proxy;
  listenPort: number;
  gatewayNames: ReadonlySet<string>;
  isTls: boolean;
  lookupService(hostname: string): Service | undefined;
  lookupHash(dest: Destination): ConsistentHashLB | undefined;
}

export { MESH_GATEWAY } from '../../model/gateway-names.js';
