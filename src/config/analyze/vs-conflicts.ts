/**
 * Conflicting mesh-gateway VirtualService hosts (Istio's ConflictingMeshGatewayHostsAnalyzer,
 * IST0109): two VirtualServices bound to the `mesh` gateway (no `gateways`, or `mesh` listed) that
 * define the same host for the same audience. The audience is the exportTo scope: VirtualServices
 * exported to the same namespace conflict on equal hosts; one exported to a namespace also
 * conflicts with any exported everywhere whose host matches it (wildcards included).
 */
import type { RawObject } from '../../api/resource.js';
import type { AnalysisContext } from './context.js';
import { exportScopes, hostsMatch, toFqdn } from '../../common/hosts.js';
import type { AnalysisMessage } from './message.js';
import { fullName, list, message, specOf, type VirtualServiceSpec } from './specs.js';
import { MESH_GATEWAY } from './vs-gateways.js';

interface Entry {
  scope: string;
  host: string;
  vs: RawObject;
  hostIndex: number;
}

function meshEntries(ctx: AnalysisContext): Entry[] {
  const out: Entry[] = [];
  for (const vs of ctx.virtualServices) {
    const spec = specOf<VirtualServiceSpec>(vs);
    const gateways = list(spec.gateways);
    if (gateways.length > 0 && !gateways.includes(MESH_GATEWAY)) continue;
    const ns = vs.metadata.namespace;
    for (const scope of exportScopes(spec.exportTo, ns)) {
      list(spec.hosts).forEach((h, hostIndex) => out.push({ scope, host: toFqdn(h, ns), vs, hostIndex }));
    }
  }
  return out;
}

export function analyzeConflictingMeshHosts(ctx: AnalysisContext): AnalysisMessage[] {
  const entries = meshEntries(ctx);
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    const key = `${e.scope}/${e.host}`;
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  const everywhere = entries.filter((e) => e.scope === '*');
  const out: AnalysisMessage[] = [];
  const reported = new Set<string>();
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    const { scope, host } = group[0]!;
    const all = scope === '*' ? group : [...group, ...everywhere.filter((e) => hostsMatch(host, e.host))];
    const names = [...new Set(all.map((e) => fullName(e.vs)))].sort();
    if (names.length < 2) continue;
    for (const e of all) {
      const id = `${fullName(e.vs)}#${e.hostIndex}`;
      if (reported.has(id)) continue;
      reported.add(id);
      out.push(message(e.vs, 'IST0109', 'Error',
        `The VirtualServices ${names.join(',')} associated with mesh gateway define the same host ${host} which can lead to ` +
        'undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
        ['spec', 'hosts', e.hostIndex]));
    }
  }
  return out;
}
