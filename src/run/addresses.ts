/**
 * Where a local workload's app listens. In explicit mode the sidecar owns the pod IP (it binds
 * the inbound service ports there, 15001, 15006 and its admin ports, so callers reach the app
 * through it, as in Istio), so the app gets an address of its own, derived from the pod IP: pod
 * `127.1.X.Y` (the address plan's 127.1.0.0/16) → app `127.2.X.Y`. The sidecar forwards inbound
 * traffic there from 127.0.0.6, as Istio's inbound passthrough does. A workload without a
 * sidecar listens on its pod IP directly. Pure functions.
 */
import { WORKLOAD_PREFIX } from '../registry/address-plan.js';

export const APP_PREFIX = [127, 2] as const;

/** The source address of inbound traffic the sidecar forwards to its app (Istio's). */
export const INBOUND_SOURCE_ADDRESS = '127.0.0.6';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The app address of a pod IP in 127.1.0.0/16 (`127.1.X.Y` → `127.2.X.Y`); undefined for any
 * other address (such a pod cannot be run locally with a sidecar).
 */
export function appAddressFor(podIp: string): string | undefined {
  const m = IPV4.exec(podIp);
  if (!m) return undefined;
  const [a, b, x, y] = m.slice(1).map(Number) as [number, number, number, number];
  if (a !== WORKLOAD_PREFIX[0] || b !== WORKLOAD_PREFIX[1] || x > 255 || y > 255) return undefined;
  return `${APP_PREFIX[0]}.${APP_PREFIX[1]}.${x}.${y}`;
}

/** Whether an address is on this machine's loopback (127.0.0.0/8), where local pods live. */
export function isLoopback(ip: string): boolean {
  const m = IPV4.exec(ip);
  return !!m && Number(m[1]) === 127 && m.slice(2).every((p) => Number(p) <= 255);
}
