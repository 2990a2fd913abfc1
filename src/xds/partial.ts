/**
 * Which resources a state-of-the-world push must carry. The xDS protocol (envoy
 * api/xds_protocol.rst, "Grouping Resources into Responses") says that in the SotW variants
 * every type except Listener and Cluster is grouped into responses as in the incremental
 * variants: "if the server has previously sent 100 resources and only one of them has changed,
 * it may send a response containing only the changed resource", and the client must not delete
 * the ones left out; only Listener and Cluster responses "must include the complete state of the
 * world". Istio does this for EDS: on an incremental (endpoints-only) push its EDS generator
 * skips every cluster whose service is not among the updated ones (pilot/pkg/xds/eds.go,
 * `edsUpdatedServices`), and sends them all only on connect and on full pushes. Envoy, gRPC's
 * xDS client (`allResourcesRequiredInSotW` false for RDS and EDS) and the Trellis proxy
 * (proxy/bootstrap/runtime.ts) all keep the RouteConfigurations and ClusterLoadAssignments a
 * response leaves out.
 *
 * So a push of RDS or EDS carries only the resources whose content differs from what was last
 * sent on the stream; a response to a request (first request, reconnect, changed subscription,
 * empty nonce) always carries the full set, and so does the first push after a NACK (the client
 * may have kept older versions than the server believes). The version_info is still the hash of
 * the full list, so an ACK names the whole state the client now has. Pure; memoized per pair of
 * lists, which are interned by the generation cache, so every proxy with the same before and
 * after shares one changed-list (encoded once by encode.ts).
 */
import { TypeUrl } from '../api/envoy/common.js';
import { resourceVersion } from './generation-cache.js';
import { resourceName } from './generators.js';

/** Types whose SotW pushes may leave out unchanged resources (all but Listener and Cluster of those served). */
export const PARTIAL_PUSH_TYPES: ReadonlySet<string> = new Set([TypeUrl.RouteConfiguration, TypeUrl.ClusterLoadAssignment]);

const changedLists = new WeakMap<readonly object[], WeakMap<readonly object[], readonly object[]>>();

/**
 * The resources of `next` that are new or whose content differs from the resource of the same
 * name in `previous`, in `next`'s order. Shared: never mutate.
 */
export function changedResources(previous: readonly object[], next: readonly object[]): readonly object[] {
  let byNext = changedLists.get(previous);
  if (!byNext) changedLists.set(previous, (byNext = new WeakMap()));
  let out = byNext.get(next);
  if (out) return out;
  const before = new Map<string, object>();
  for (const r of previous) before.set(resourceName(r), r);
  const changed: object[] = [];
  for (const r of next) {
    const old = before.get(resourceName(r));
    if (old !== r && (old === undefined || resourceVersion(old) !== resourceVersion(r))) changed.push(r);
  }
  out = changed.length === next.length ? next : changed;
  byNext.set(next, out);
  return out;
}
