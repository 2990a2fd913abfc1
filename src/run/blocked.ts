/**
 * Why a workload's request was blocked by REGISTRY_ONLY, for `trellis up`'s event lines: the
 * proxy logs the host it blocked; this walks the same request through the workload's compiled
 * config (`trellis explain`'s engine) and returns its verdict (which Sidecar or mesh default set
 * REGISTRY_ONLY) and fixes (the ServiceEntry that would allow the host, or the Sidecar egress
 * listener to add). Never throws: on any failure it returns the plain fact.
 */
import { explainRequest } from '../cli/explain/engine.js';
import { proxyForWorkload } from '../model/proxy.js';
import type { Snapshot } from '../model/types.js';

/** Lines describing the block of `host` (`name` or `name:port`) by pod `namespace/pod`. */
export function explainBlocked(snapshot: Snapshot, namespace: string, pod: string, host: string): string[] {
  const head = `blocked: ${namespace}/${pod} → ${host} (outbound traffic policy REGISTRY_ONLY)`;
  const w = snapshot.registry.workloads.find((x) => x.namespace === namespace && x.podName === pod);
  if (!w) return [head];
  try {
    const ex = explainRequest(snapshot, proxyForWorkload(w, snapshot), `http://${host}/`, { random: 0 });
    if (ex.outcome.kind !== 'blocked') return [head];
    return [`blocked: ${namespace}/${pod} → ${ex.outcome.message.replace(/^blocked: /, '')}`,
      ...(ex.outcome.suggestions ?? []).map((s) => s.replace(/^/gm, '    '))];
  } catch {
    return [head];
  }
}
