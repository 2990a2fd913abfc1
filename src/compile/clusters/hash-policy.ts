/**
 * The route side of consistent-hash load balancing: which Envoy `hashPolicy` a route to
 * (host, port, subset) must carry, as Istio's `hashForHTTPDestination` picks it: the subset's
 * port-level setting, else the subset's, else the rule's port-level setting, else the rule's
 * top-level `consistentHash`; then header / cookie (name, ttl, path, attributes) / source IP /
 * query parameter. Exported for the route compiler. Pure.
 */
import type { HashPolicy } from '../../api/envoy/route.js';
import type { ConsistentHashLB } from '../../api/istio/destination-rule.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { toDuration } from '../duration.js';
import { portLevelEntry } from './policy.js';

/** Istio's `consistentHashToHashPolicy`. */
export function toHashPolicy(ch: ConsistentHashLB): HashPolicy | undefined {
  if (ch.httpHeaderName) return { header: { headerName: ch.httpHeaderName } };
  if (ch.httpCookie) {
    const cookie: NonNullable<HashPolicy['cookie']> = { name: ch.httpCookie.name ?? '' };
    const ttl = toDuration(ch.httpCookie.ttl);
    if (ttl) cookie.ttl = ttl;
    if (ch.httpCookie.path) cookie.path = ch.httpCookie.path;
    const attrs = (ch.httpCookie.attributes ?? []).filter((a): a is { name: string; value?: string } => !!a?.name);
    if (attrs.length > 0) cookie.attributes = attrs.map((a) => (a.value ? { name: a.name, value: a.value } : { name: a.name }));
    return { cookie };
  }
  if (ch.useSourceIp) return { connectionProperties: { sourceIp: true } };
  if (ch.httpQueryParameterName) return { queryParameter: { name: ch.httpQueryParameterName } };
  return undefined;
}

/** The consistent-hash setting that applies to a destination (host, port, subset), if any. */
export function consistentHashFor(
  snapshot: Snapshot, proxy: Proxy, host: string, port: number | undefined, subset: string | undefined,
): ConsistentHashLB | undefined {
  const rule = snapshot.destinationRule(host, proxy);
  if (!rule) return undefined;
  const top = rule.trafficPolicy?.loadBalancer?.consistentHash ?? undefined;
  const pls = portLevelEntry(rule.trafficPolicy, port)?.loadBalancer?.consistentHash ?? undefined;
  let subsetHash: ConsistentHashLB | undefined;
  let subsetPls: ConsistentHashLB | undefined;
  if (subset) {
    const s = rule.subsets.find((x) => x?.name === subset);
    subsetHash = s?.trafficPolicy?.loadBalancer?.consistentHash ?? undefined;
    subsetPls = portLevelEntry(s?.trafficPolicy, port)?.loadBalancer?.consistentHash ?? undefined;
  }
  return subsetPls ?? subsetHash ?? pls ?? top;
}

/**
 * Envoy route `hashPolicy` entries for a route to (host, port, subset) as seen by `proxy`; empty
 * when no consistent hashing applies. Pass the destination's port when the route names one (or
 * the service's only port), else undefined.
 */
export function hashPolicyFor(
  snapshot: Snapshot, proxy: Proxy, host: string, port: number | undefined, subset?: string,
): HashPolicy[] {
  const ch = consistentHashFor(snapshot, proxy, host, port, subset);
  const hp = ch ? toHashPolicy(ch) : undefined;
  return hp ? [hp] : [];
}
