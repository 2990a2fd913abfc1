/**
 * ServiceEntries that claim the same host and port for overlapping audiences (exportTo scopes,
 * as Istio's ConflictingServiceEntryProtocolAnalyzer computes them). Different protocols get
 * Istio's IST0177. Istio has no code for the same-protocol case, where it silently keeps one
 * ServiceEntry's settings for the host and port and drops the other's, so Trellis reports it as
 * TRL0101 (a warning), naming every ServiceEntry involved.
 */
import type { RawObject } from '../../api/resource.js';
import type { AnalysisContext } from './context.js';
import { exportScopes } from '../../common/hosts.js';
import type { AnalysisMessage } from './message.js';
import { fullName, list, message, specOf, type ServiceEntrySpec } from './specs.js';

interface Claim {
  scope: string;
  host: string;
  port: number;
  protocol: string;
  se: RawObject;
  path: (string | number)[];
}

/** Trellis code: two ServiceEntries define the same host and port with the same protocol. */
export const TRL_DUPLICATE_SERVICE_ENTRY = 'TRL0101';

function claims(ctx: AnalysisContext): Claim[] {
  const out: Claim[] = [];
  for (const se of ctx.serviceEntries) {
    const spec = specOf<ServiceEntrySpec>(se);
    for (const scope of exportScopes(spec.exportTo, se.metadata.namespace)) {
      for (const host of list(spec.hosts)) {
        list(spec.ports).forEach((p, i) => {
          if (typeof p?.number !== 'number') return;
          out.push({ scope, host, port: p.number, protocol: (p.protocol ?? '').toUpperCase(), se, path: ['spec', 'ports', i, 'number'] });
        });
      }
    }
  }
  return out;
}

export function analyzeServiceEntryConflicts(ctx: AnalysisContext): AnalysisMessage[] {
  const all = claims(ctx);
  const groups = new Map<string, Claim[]>();
  for (const c of all) {
    const key = `${c.scope}\u0000${c.host}\u0000${c.port}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: AnalysisMessage[] = [];
  const reported = new Set<string>();
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    const { scope, host, port } = group[0]!;
    const entries = scope === '*' ? group : [...group, ...(groups.get(`*\u0000${host}\u0000${port}`) ?? [])];
    const names = [...new Set(entries.map((c) => fullName(c.se)))].sort();
    if (names.length < 2) continue;
    const protocols = [...new Set(entries.map((c) => c.protocol))].sort();
    const conflicting = protocols.length > 1;
    for (const c of entries) {
      const id = `${fullName(c.se)}\u0000${host}\u0000${port}`;
      if (reported.has(id)) continue;
      reported.add(id);
      if (conflicting) {
        out.push(message(c.se, 'IST0177', 'Warning',
          `Multiple ServiceEntries (${names.join(', ')}) define the same host ${JSON.stringify(host)} and port ${port} ` +
          `with conflicting protocols (${protocols.join(', ')}).`, c.path));
      } else {
        out.push(message(c.se, TRL_DUPLICATE_SERVICE_ENTRY, 'Warning',
          `Multiple ServiceEntries (${names.join(', ')}) define the same host ${JSON.stringify(host)} and port ${port}; ` +
          'Istio keeps only one of them for this host and port and silently ignores the rest (resolution, endpoints, ' +
          'location). Merge them into one ServiceEntry, or narrow their exportTo.', c.path));
      }
    }
  }
  return out;
}
