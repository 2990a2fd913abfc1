/**
 * VirtualService gateways (Istio's virtualservice GatewayAnalyzer): each `gateways` entry other
 * than `mesh` must name an existing Gateway (IST0101), written `ns/name`, bare `name` (the
 * VirtualService's namespace) or the legacy `name.ns.svc.cluster.local`; and at least one of the
 * VirtualService's hosts must be served by that Gateway (IST0132, a warning). A missing Gateway
 * gets only the IST0101, not also the IST0132 Istio adds.
 */
import type { RawObject } from '../../api/resource.js';
import type { AnalysisContext } from './context.js';
import { gatewayKey } from './context.js';
import { hostsMatch } from '../../common/hosts.js';
import type { AnalysisMessage } from './message.js';
import { fullName, list, message, specOf, type GatewaySpec, type VirtualServiceSpec } from './specs.js';

export const MESH_GATEWAY = 'mesh';

/** The hosts of a Gateway's servers that a VirtualService in `vsNamespace` may bind to. */
function gatewayHostsFor(gw: RawObject, vsNamespace: string): string[] {
  const out: string[] = [];
  for (const server of list(specOf<GatewaySpec>(gw).servers)) {
    for (const h of list(server?.hosts)) {
      const slash = h.indexOf('/');
      if (slash < 0) {
        out.push(h);
        continue;
      }
      const ns = h.slice(0, slash);
      const host = h.slice(slash + 1);
      const resolved = ns === '.' ? gw.metadata.namespace : ns;
      if (resolved === '*' || resolved === vsNamespace) out.push(host);
    }
  }
  return out;
}

export function analyzeVirtualServiceGateways(ctx: AnalysisContext): AnalysisMessage[] {
  const out: AnalysisMessage[] = [];
  for (const vs of ctx.virtualServices) {
    const spec = specOf<VirtualServiceSpec>(vs);
    const ns = vs.metadata.namespace;
    const vsHosts = list(spec.hosts);
    list(spec.gateways).forEach((ref, i) => {
      if (ref === MESH_GATEWAY) return;
      const gw = ctx.gateway(ref, ns);
      if (!gw) {
        out.push(message(vs, 'IST0101', 'Error', `Referenced gateway not found: ${JSON.stringify(ref)}`, ['spec', 'gateways', i]));
        return;
      }
      const gwHosts = gatewayHostsFor(gw, ns);
      if (!gwHosts.some((gh) => vsHosts.some((vh) => hostsMatch(gh, vh)))) {
        out.push(message(vs, 'IST0132', 'Warning',
          `one or more host [${vsHosts.join(' ')}] defined in VirtualService ${fullName(vs)} not found in Gateway ${gatewayKey(ref, ns)}.`,
          ['spec', 'gateways', i]));
      }
    });
  }
  return out;
}
