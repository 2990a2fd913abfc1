/**
 * Istio's names for generated xDS resources (DESIGN.md §1), in one place so that listeners,
 * routes, clusters, endpoints, the CLI and `explain` agree: clusters `outbound|PORT|SUBSET|FQDN`
 * and `inbound|PORT||`, the special clusters, listener names `ADDRESS_PORT`, route
 * configurations by port (`8080`) for sidecars and `http.PORT` for gateways, virtual hosts
 * `HOST:PORT`. Pure functions.
 */

export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';
export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER = 'virtualInbound';
export const VIRTUAL_OUTBOUND_PORT = 15001;
export const VIRTUAL_INBOUND_PORT = 15006;
export const ROOT_NAMESPACE = 'istio-system';
export const CLUSTER_DOMAIN = 'cluster.local';

export type Direction = 'outbound' | 'inbound';

export function clusterName(direction: Direction, port: number, subset: string, hostname: string): string {
  return `${direction}|${port}|${subset}|${hostname}`;
}

export function outboundCluster(hostname: string, port: number, subset = ''): string {
  return clusterName('outbound', port, subset, hostname);
}

export function inboundCluster(port: number): string {
  return `inbound|${port}||`;
}

export interface ParsedClusterName {
  direction: Direction;
  port: number;
  subset: string;
  hostname: string;
}

/** Splits `outbound|9080|v1|reviews.default.svc.cluster.local`; undefined for other names. */
export function parseClusterName(name: string): ParsedClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || (parts[0] !== 'outbound' && parts[0] !== 'inbound')) return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  return { direction: parts[0], port, subset: parts[2]!, hostname: parts[3]! };
}

/** `0.0.0.0_8080`, `10.0.0.1_443`. */
export function listenerName(address: string, port: number): string {
  return `${address}_${port}`;
}

/** Sidecar outbound HTTP route configuration: the port number. */
export function sidecarRouteName(port: number): string {
  return String(port);
}

/**
 * Gateway HTTP route configuration: `http.PORT` (`http.PORT.BIND` for servers with a bind
 * address); PORT is the port the gateway listens on (the Service's targetPort, see Istio's
 * gateway port translation). HTTPS servers use `gatewayHttpsRouteName`.
 */
export function gatewayRouteName(port: number, bind?: string): string {
  return bind ? `http.${port}.${bind}` : `http.${port}`;
}

/**
 * Istio's config path in route/cluster metadata (`filterMetadata.istio.config`):
 * `/apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME`.
 */
export function istioConfigPath(kind: string, namespace: string, name: string): string {
  const kebab = kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `/apis/networking.istio.io/v1/namespaces/${namespace}/${kebab}/${name}`;
}

/** Reads back `istioConfigPath`: kind in kebab case (`virtual-service`), namespace, name. */
export function parseIstioConfigPath(path: string): { kind: string; namespace: string; name: string } | undefined {
  const m = /^\/apis\/[^/]+\/[^/]+\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  return m ? { namespace: m[1]!, kind: m[2]!, name: m[3]! } : undefined;
}

/**
 * Route configuration of a gateway HTTPS server that terminates TLS (SIMPLE/MUTUAL):
 * `https.PORT.PORTNAME.GATEWAY.NAMESPACE`, PORT being the server's port as written (Istio's
 * gatewayRDSRouteName; HTTP servers share `gatewayRouteName(targetPort)` instead).
 */
export function gatewayHttpsRouteName(port: number, portName: string, gateway: string, gatewayNamespace: string): string {
  return `https.${port}.${portName}.${gateway}.${gatewayNamespace}`;
}

/**
 * The SNI-DNAT cluster of an AUTO_PASSTHROUGH gateway server: `outbound_.PORT_.SUBSET_.HOST`
 * (Istio's BuildDNSSrvSubsetKey), which is also the SNI a remote sidecar sends.
 */
export function sniDnatClusterName(hostname: string, port: number, subset = ''): string {
  return `outbound_.${port}_.${subset}_.${hostname}`;
}

export function virtualHostName(host: string, port: number): string {
  return `${host}:${port}`;
}

/** `NAME.NAMESPACE.svc.cluster.local`. */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** Istio node id: `sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local`. */
export function nodeId(type: 'sidecar' | 'router', ip: string, podName: string, namespace: string): string {
  return `${type}~${ip}~${podName}.${namespace}~${namespace}.svc.${CLUSTER_DOMAIN}`;
}
