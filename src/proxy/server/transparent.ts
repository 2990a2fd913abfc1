/**
 * `--outbound transparent` for a sidecar (iptables REDIRECT to 15001/15006, as Istio's init
 * container sets up; the rules come from run/capture/iptables.ts): which listeners are bound, and
 * which listener serves a redirected connection. The listener manager does the accepting and the
 * HTTP/TCP handling; this module only decides, from the snapshot, so it has no sockets.
 *
 * Binding: every listener with bind_to_port (virtualOutbound 0.0.0.0:15001, virtualInbound
 * 0.0.0.0:15006, Sidecar ingress/egress with captureMode NONE) at its own address, as Envoy binds
 * them. The wildcard is the sound choice: REDIRECT sends locally generated packets to 127.0.0.1
 * (the loopback's primary address) and packets from outside (PREROUTING) to the primary address of
 * the interface they came in on, so 127.0.0.1 alone would miss inbound traffic from other hosts.
 * Transparent mode presumes a network namespace per workload, as a pod has (iptables rules are
 * per namespace too), where the wildcard belongs to that workload alone. A listener whose address
 * is the node's own (`--ip`) binds there, and so do listeners bound at 0.0.0.0 in explicit mode.
 * Listeners with bind_to_port false (the outbound `0.0.0.0_80`, `VIP_PORT`) are not bound but are
 * matched: a connection accepted by a use_original_dst listener goes to the listener of its
 * original destination — exact `IP:PORT`, else `0.0.0.0:PORT` — else stays with the accepting
 * listener, whose filter chains (Passthrough / BlackHole) take it (listener/match.ts findListener).
 */
import type { Listener } from '../../api/envoy/listener.js';
import { FilterName } from '../../api/envoy/listener.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { findListener } from '../listener/match.js';
import type { OriginalDst } from '../listener/original-dst.js';

export interface Wanted {
  name: string;
  address: string;
  port: number;
}

/** The sockets a transparent sidecar listens on, by `address:port`. */
export function transparentBindings(s: RuntimeSnapshot): Map<string, Wanted> {
  const w = new Map<string, Wanted>();
  for (const e of s.listeners.values()) {
    const l = e.listener;
    const port = l.address.socketAddress?.portValue;
    const address = l.address.socketAddress?.address;
    if (port === undefined || address === undefined || l.bindToPort === false) continue;
    const key = `${address}:${port}`;
    if (!w.has(key)) w.set(key, { name: l.name, address, port });
  }
  return w;
}

/** Whether the listener learns its connections' original destination (original_dst filter). */
export function readsOriginalDst(l: Listener): boolean {
  return l.useOriginalDst === true || (l.listenerFilters ?? []).some((f) => f.name === FilterName.OriginalDst);
}

const listenerLists = new WeakMap<RuntimeSnapshot, Listener[]>();

/** Envoy's use_original_dst hand-off: the listener that serves a connection to `dst`. */
export function handOff(s: RuntimeSnapshot, accepting: Listener, dst: OriginalDst): Listener {
  if (!accepting.useOriginalDst) return accepting;
  let all = listenerLists.get(s);
  if (!all) listenerLists.set(s, (all = [...s.listeners.values()].map((e) => e.listener)));
  return findListener(all, dst.address, dst.port) ?? accepting;
}
