/**
 * The listener compiler: (snapshot, proxy) → Envoy v3 Listeners, named and shaped as Istio's
 * pilot generates them (core/listener.go, listener_builder.go, listener_inbound.go, gateway.go).
 * Sidecars get their outbound listeners (`0.0.0.0_PORT` for HTTP routed by RDS `PORT`,
 * `VIP_PORT` tcp_proxy listeners for TCP/TLS), `virtualOutbound` (15001) and `virtualInbound`
 * (15006), in Istio's order (outbound, virtualOutbound, inbound); gateways get one listener per
 * merged server port. Pure: no I/O, no clocks.
 *
 * Protocol sniffing: Istio sniffs ports whose protocol is UNKNOWN (http_inspector + an HTTP chain
 * routed by `HOST:PORT` next to the TCP chain). Trellis does this only with
 * `{ protocolSniffing: true }`; by default UNKNOWN ports are treated as TCP, which is always
 * correct at L4 and needs no extra route configurations.
 */
import type { Listener } from '../../api/envoy/listener.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { gatewayListeners } from './gateway.js';
import { inboundListeners } from './inbound.js';
import { outboundListeners } from './outbound.js';
import { virtualOutboundListener } from './virtual-outbound.js';

export interface ListenerOptions {
  /** Istio's protocol sniffing for UNKNOWN ports (default false: treat them as TCP). */
  protocolSniffing?: boolean;
}

export function compileListeners(snapshot: Snapshot, proxy: Proxy, options: ListenerOptions = {}): Listener[] {
  return [...outboundSideListeners(snapshot, proxy, options), ...inboundSideListeners(snapshot, proxy, options)];
}

/**
 * The first part of `compileListeners`: what depends on where the proxy sends traffic (a
 * sidecar's outbound listeners and virtualOutbound; all of a gateway's listeners). The xDS
 * server generates the two parts apart, so that sidecars of one namespace share this one.
 */
export function outboundSideListeners(snapshot: Snapshot, proxy: Proxy, options: ListenerOptions = {}): Listener[] {
  if (proxy.type === 'router') return gatewayListeners(snapshot, proxy);
  const out = outboundListeners(snapshot, proxy, { sniffing: options.protocolSniffing ?? false });
  if (proxy.interceptionMode !== 'NONE') out.push(virtualOutboundListener(snapshot, proxy));
  return out;
}

/** The second part: what depends on the proxy's own workload (a sidecar's inbound listeners; none for gateways). */
export function inboundSideListeners(snapshot: Snapshot, proxy: Proxy, options: ListenerOptions = {}): Listener[] {
  if (proxy.type === 'router') return [];
  return inboundListeners(snapshot, proxy, options.protocolSniffing ?? false);
}

export { mergeGatewayServers, resolveGatewayPort, type MergedPort, type MergedServer } from './gateway-servers.js';
export { egressCluster } from './virtual-outbound.js';
