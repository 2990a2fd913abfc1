/**
 * Decides what a config change means for the ADS server: the kinds that changed, or exactly
 * {ENDPOINTS_KIND} when only endpoints changed, so that the server pushes EDS alone (Istio's
 * incremental EDS update for WorkloadEntry and Pod events).
 *
 * Only-endpoints is claimed when every changed kind is a workload kind (WorkloadEntry, Pod,
 * Deployment) and, comparing the registries before and after: the services are the same; every
 * endpoint that appeared, vanished or changed belongs to an EDS service (resolution
 * CLIENT_SIDE_LB: DNS clusters carry their endpoints in CDS); and no changed workload is one
 * whose own listeners depend on it (the built-in gateways, or workloads with named ports, which
 * gateway listeners resolve). When in doubt it answers the kinds, which means a full push (the
 * server still sends only the types whose content changed for each proxy). With only endpoints
 * changed, `pushChange` also names the hosts whose endpoints changed and the workloads that
 * changed, for the server's incremental EDS. Pure, apart from remembering the JSON of registry
 * objects (immutable), so that a change compares each object once, not once as "after" and again
 * as "before" in the next change.
 */
import type { Snapshot } from '../model/types.js';
import type { Endpoint, Workload } from '../registry/types.js';
import { ENDPOINTS_KIND, type EndpointChanges } from './types.js';

const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['WorkloadEntry', 'Pod', 'Deployment']);

const jsonOf = new WeakMap<object, string>();

/** JSON of an immutable registry object (or list), remembered. */
function json(o: object): string {
  let j = jsonOf.get(o);
  if (j === undefined) jsonOf.set(o, (j = JSON.stringify(o)));
  return j;
}

/** Items present in one list and not the other (or a different number of times), by JSON. */
function changedItems<T extends object>(before: readonly T[], after: readonly T[]): T[] {
  const counts = new Map<string, { item: T; n: number }>();
  for (const [list, d] of [[before, 1], [after, -1]] as const) {
    for (const item of list) {
      const k = json(item);
      const c = counts.get(k);
      if (c) c.n += d;
      else counts.set(k, { item, n: d });
    }
  }
  return [...counts.values()].filter((c) => c.n !== 0).map((c) => c.item);
}

export function pushKinds(changed: ReadonlySet<string>, before: Snapshot, after: Snapshot): ReadonlySet<string> {
  return pushChange(changed, before, after).changedKinds;
}

/** `pushKinds`, and for an endpoints-only change the hosts and workloads it touched. */
export function pushChange(changed: ReadonlySet<string>, before: Snapshot, after: Snapshot): { changedKinds: ReadonlySet<string>; endpoints?: EndpointChanges } {
  const full = { changedKinds: changed };
  if (changed.size === 0 || ![...changed].every((k) => WORKLOAD_KINDS.has(k))) return full;
  if (before.registry === after.registry) return full;
  if (json(before.registry.services) !== json(after.registry.services)) return full;
  const eds = new Set(after.registry.services.filter((s) => s.resolution === 'CLIENT_SIDE_LB').map((s) => `${s.namespace}|${s.hostname}`));
  const endpoints: Endpoint[] = changedItems(before.registry.endpoints, after.registry.endpoints);
  if (endpoints.some((e) => !eds.has(`${e.serviceNamespace}|${e.hostname}`))) return full;
  const workloads: Workload[] = changedItems(before.registry.workloads, after.registry.workloads);
  if (workloads.some((w) => w.kind === 'Gateway' || Object.keys(w.ports).length > 0)) return full;
  return {
    changedKinds: new Set([ENDPOINTS_KIND]),
    endpoints: { hosts: new Set(endpoints.map((e) => e.hostname)), workloadAddresses: new Set(workloads.map((w) => w.address)) },
  };
}
