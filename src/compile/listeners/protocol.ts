/**
 * Listener-level protocol classes, as Istio's ModelProtocolToListenerProtocol and
 * protocol.Instance.IsTCP/IsHTTP define them: the HTTP family gets an HTTP connection manager,
 * TCP-like protocols (TCP, HTTPS, TLS, Mongo, Redis, MySQL) get tcp_proxy, UNKNOWN is sniffed
 * (AUTO) — or treated as TCP when sniffing is off — and UDP gets no listener. Pure.
 */
import { isHttpProtocol } from '../../registry/protocol.js';
import type { ServiceProtocol } from '../../registry/types.js';

export type ListenerProtocol = 'HTTP' | 'TCP' | 'AUTO' | 'UNSUPPORTED';

export function listenerProtocol(p: ServiceProtocol, sniffing: boolean): ListenerProtocol {
  if (isHttpProtocol(p)) return 'HTTP';
  if (p === 'UDP') return 'UNSUPPORTED';
  if (p === 'UNKNOWN') return sniffing ? 'AUTO' : 'TCP';
  return 'TCP';
}

/** protocol.Instance.IsTCP. */
export function isTcpFamily(p: ServiceProtocol): boolean {
  return p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'Mongo' || p === 'Redis' || p === 'MySQL';
}

export { isHttpProtocol };
