/**
 * Istio's protocol selection for service ports (pkg/config/protocol and kube.ConvertProtocol):
 * a Kubernetes port takes its protocol from `appProtocol` (with the `kubernetes.io/h2c|ws|wss`
 * standard names), else from the port name's prefix before the first `-` (`http-web` → HTTP,
 * `grpc-web…` → GRPC-Web), else UNKNOWN (sniffed); UDP ports are UDP. ServiceEntry, Gateway and
 * Sidecar ports name their protocol directly. Pure functions.
 */
import type { ServiceProtocol } from './types.js';

const BY_NAME: Record<string, ServiceProtocol> = {
  http: 'HTTP',
  https: 'HTTPS',
  http2: 'HTTP2',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http_proxy: 'HTTP_PROXY',
  tcp: 'TCP',
  tls: 'TLS',
  udp: 'UDP',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

/** Istio's `protocol.Parse`: case-insensitive protocol name; anything else is UNKNOWN. */
export function parseProtocol(name: string | undefined | null): ServiceProtocol {
  if (!name) return 'UNKNOWN';
  return BY_NAME[name.toLowerCase()] ?? 'UNKNOWN';
}

/**
 * Istio's `kube.ConvertProtocol` for a Kubernetes Service (or container) port.
 * `kubeProtocol` is the L4 protocol field (TCP/UDP/SCTP).
 */
export function kubePortProtocol(
  portName: string | undefined,
  kubeProtocol: string | undefined,
  appProtocol: string | undefined,
): ServiceProtocol {
  if (kubeProtocol === 'UDP') return 'UDP';
  let name = portName ?? '';
  if (appProtocol) {
    switch (appProtocol) {
      case 'kubernetes.io/h2c': return 'HTTP2';
      case 'kubernetes.io/ws': return 'HTTP';
      case 'kubernetes.io/wss': return 'HTTPS';
    }
    name = appProtocol;
  }
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const dash = name.indexOf('-');
  if (dash >= 0) name = name.slice(0, dash);
  return parseProtocol(name);
}

/** HTTP family (routed by an HTTP connection manager). */
export function isHttpProtocol(p: ServiceProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'HTTP_PROXY';
}
