/**
 * Cross-object analysis, `istioctl analyze` style: builds the shared index once, runs every
 * analyzer over it and returns their messages in a stable order (file, line, code, origin,
 * message). Analyzers receive only objects that passed per-object validation, so they may trust
 * the shape of each spec; they must not throw on missing optional fields, and never mutate input.
 */
import type { RawObject } from '../../api/resource.js';
import { AnalysisContext } from './context.js';
import { analyzeDestinationRuleSubsets } from './dr-subsets.js';
import { analyzeGateways } from './gateways.js';
import type { AnalysisMessage } from './message.js';
import { analyzeServiceEntryAddresses } from './se-addresses.js';
import { analyzeServiceEntryConflicts } from './se-conflicts.js';
import { analyzeSidecars } from './sidecars.js';
import { analyzeConflictingMeshHosts } from './vs-conflicts.js';
import { analyzeVirtualServiceDestinations } from './vs-destinations.js';
import { analyzeVirtualServiceGateways } from './vs-gateways.js';

export type Analyzer = (ctx: AnalysisContext) => AnalysisMessage[];

export const ANALYZERS: readonly Analyzer[] = [
  analyzeVirtualServiceDestinations,
  analyzeVirtualServiceGateways,
  analyzeConflictingMeshHosts,
  analyzeDestinationRuleSubsets,
  analyzeSidecars,
  analyzeServiceEntryConflicts,
  analyzeServiceEntryAddresses,
  analyzeGateways,
];

function splitReference(ref: string): [string, number] {
  const i = ref.lastIndexOf(':');
  return i < 0 ? [ref, 0] : [ref.slice(0, i), Number(ref.slice(i + 1)) || 0];
}

function compare(a: AnalysisMessage, b: AnalysisMessage): number {
  const [fa, la] = splitReference(a.reference);
  const [fb, lb] = splitReference(b.reference);
  if (fa !== fb) return fa < fb ? -1 : 1;
  if (la !== lb) return la - lb;
  for (const k of ['code', 'origin', 'message'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return 0;
}

export function analyze(objects: RawObject[]): AnalysisMessage[] {
  const ctx = new AnalysisContext(objects);
  const out: AnalysisMessage[] = [];
  for (const run of ANALYZERS) out.push(...run(ctx));
  const seen = new Set<string>();
  return out.sort(compare).filter((m) => {
    const key = `${m.code}\u0000${m.origin}\u0000${m.reference}\u0000${m.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
