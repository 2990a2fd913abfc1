/**
 * DestinationRule traffic-policy selection and merging, exactly as Istio's
 * `GetPortLevelTrafficPolicy` and `MergeSubsetTrafficPolicy`: a matching portLevelSettings entry
 * replaces the whole policy for that port (its omitted field groups fall back to defaults, not
 * to the top level); a subset's policy overrides the top-level one field group by field group
 * (connectionPool, outlierDetection, loadBalancer, tls), and entirely when the subset has a
 * port-level entry for the port. `null` from YAML is treated as unset. Pure.
 */
import type { PortTrafficPolicy, TrafficPolicy } from '../../api/istio/destination-rule.js';

/** A traffic policy for one port: the field groups only (portLevelSettings already resolved). */
export interface PortPolicy {
  connectionPool?: NonNullable<TrafficPolicy['connectionPool']>;
  outlierDetection?: NonNullable<TrafficPolicy['outlierDetection']>;
  loadBalancer?: NonNullable<TrafficPolicy['loadBalancer']>;
  tls?: NonNullable<TrafficPolicy['tls']>;
  tunnel?: NonNullable<TrafficPolicy['tunnel']>;
  proxyProtocol?: NonNullable<TrafficPolicy['proxyProtocol']>;
}

function fromPortLevel(p: PortTrafficPolicy): PortPolicy {
  const out: PortPolicy = {};
  if (p.connectionPool) out.connectionPool = p.connectionPool;
  if (p.outlierDetection) out.outlierDetection = p.outlierDetection;
  if (p.loadBalancer) out.loadBalancer = p.loadBalancer;
  if (p.tls) out.tls = p.tls;
  return out;
}

function fromTopLevel(p: TrafficPolicy): PortPolicy {
  const out = fromPortLevel(p);
  if (p.tunnel) out.tunnel = p.tunnel;
  if (p.proxyProtocol) out.proxyProtocol = p.proxyProtocol;
  return out;
}

/** The entry of `portLevelSettings` for `port`, if any (first match, as Istio). */
export function portLevelEntry(policy: TrafficPolicy | null | undefined, port: number | undefined): PortTrafficPolicy | undefined {
  if (!policy || port === undefined) return undefined;
  for (const p of policy.portLevelSettings ?? []) {
    if (p?.port?.number === port) return p;
  }
  return undefined;
}

/** Istio's `GetPortLevelTrafficPolicy`: the policy for one port, and whether a port-level entry applied. */
export function policyForPort(policy: TrafficPolicy | null | undefined, port: number | undefined): { policy?: PortPolicy; portLevel: boolean } {
  if (!policy) return { portLevel: false };
  const entry = portLevelEntry(policy, port);
  if (entry) return { policy: fromPortLevel(entry), portLevel: true };
  return { policy: fromTopLevel(policy), portLevel: false };
}

/** Istio's `MergeSubsetTrafficPolicy` for one port. */
export function mergeSubsetPolicy(
  top: TrafficPolicy | null | undefined,
  subset: TrafficPolicy | null | undefined,
  port: number | undefined,
): PortPolicy | undefined {
  const original = policyForPort(top, port).policy;
  if (!subset) return original;
  const { policy: sub = {}, portLevel } = policyForPort(subset, port);
  if (!original) return sub;
  const merged: PortPolicy = { ...original };
  if (sub.connectionPool || portLevel) setOrDelete(merged, 'connectionPool', sub.connectionPool);
  if (sub.outlierDetection || portLevel) setOrDelete(merged, 'outlierDetection', sub.outlierDetection);
  if (sub.loadBalancer || portLevel) setOrDelete(merged, 'loadBalancer', sub.loadBalancer);
  if (sub.tls || portLevel) setOrDelete(merged, 'tls', sub.tls);
  if (sub.tunnel) merged.tunnel = sub.tunnel;
  if (sub.proxyProtocol) merged.proxyProtocol = sub.proxyProtocol;
  return merged;
}

function setOrDelete<K extends keyof PortPolicy>(p: PortPolicy, key: K, value: PortPolicy[K]): void {
  if (value === undefined) delete p[key];
  else p[key] = value;
}
