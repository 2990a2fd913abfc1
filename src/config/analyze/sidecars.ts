/**
 * Sidecar selection (Istio's sidecar SelectorAnalyzer): at most one selector-less Sidecar per
 * namespace (IST0111), no workload selected by several Sidecars (IST0110), and every
 * workloadSelector selecting some workload of the Sidecar's namespace (IST0101). Istio's ambient
 * checks (IST0157) are left out: Trellis has no ambient mode.
 */
import type { RawObject } from '../../api/resource.js';
import type { AnalysisContext, Workload } from './context.js';
import { isEmptySelector, selectorString, selects } from '../../common/hosts.js';
import type { AnalysisMessage } from './message.js';
import { message, specOf, type SidecarSpec } from './specs.js';

function names(list: RawObject[]): string {
  return `[${list.map((s) => s.metadata.name).sort().join(' ')}]`;
}

export function analyzeSidecars(ctx: AnalysisContext): AnalysisMessage[] {
  const out: AnalysisMessage[] = [];
  const withoutSelector = new Map<string, RawObject[]>();
  const byWorkload = new Map<Workload, RawObject[]>();

  for (const sc of ctx.sidecars) {
    const ns = sc.metadata.namespace;
    const labels = specOf<SidecarSpec>(sc).workloadSelector?.labels;
    if (isEmptySelector(labels)) {
      withoutSelector.set(ns, [...(withoutSelector.get(ns) ?? []), sc]);
      continue;
    }
    const selected = ctx.workloadsIn(ns).filter((w) => selects(labels, w.labels));
    if (selected.length === 0) {
      out.push(message(sc, 'IST0101', 'Error', `Referenced selector not found: ${JSON.stringify(selectorString(labels))}`,
        ['spec', 'workloadSelector', 'labels']));
    }
    for (const w of selected) byWorkload.set(w, [...(byWorkload.get(w) ?? []), sc]);
  }

  for (const [ns, list] of withoutSelector) {
    if (list.length < 2) continue;
    for (const sc of list) {
      out.push(message(sc, 'IST0111', 'Error',
        `The Sidecars ${names(list)} in namespace ${JSON.stringify(ns)} have no workload selector, which can lead to undefined behavior.`,
        ['metadata', 'name']));
    }
  }

  for (const [w, list] of byWorkload) {
    if (list.length < 2) continue;
    for (const sc of list) {
      out.push(message(sc, 'IST0110', 'Error',
        `The Sidecars ${names(list)} in namespace ${JSON.stringify(w.namespace)} select the same workload pod ` +
        `${JSON.stringify(w.name)} (${w.kind}), which can lead to undefined behavior.`,
        ['spec', 'workloadSelector', 'labels']));
    }
  }
  return out;
}
