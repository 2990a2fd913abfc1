/**
 * VirtualService destinations (Istio's DestinationHostAnalyzer and DestinationRuleAnalyzer):
 * every http/tcp/tls route destination and every http mirror must name a known, visible host
 * (IST0101), a port that host exposes (IST0101 `host:port`), a port at all when the host has
 * several (IST0112), and a subset some visible DestinationRule for that host defines (IST0101).
 * As in Istio, the subset is checked even when the host is unknown (two findings, two fixes).
 */
import type { RawObject } from '../../api/resource.js';
import type { AnalysisContext, ServiceInfo } from './context.js';
import { exportScopes, hostCandidates, hostsMatch, lookupScopes, visibleFrom } from '../../common/hosts.js';
import type { AnalysisMessage } from './message.js';
import { list, message, specOf, type Destination, type DestinationRuleSpec, type VirtualServiceSpec } from './specs.js';

interface Annotated {
  destination: Destination;
  /** Path of the destination object (for a mirror, of the mirror itself). */
  path: (string | number)[];
  mirror: boolean;
}

function destinations(vs: VirtualServiceSpec): Annotated[] {
  const out: Annotated[] = [];
  for (const kind of ['tcp', 'tls', 'http'] as const) {
    list(vs[kind]).forEach((rule, i) => {
      list(rule?.route).forEach((rd, j) => {
        if (rd?.destination) out.push({ destination: rd.destination, path: ['spec', kind, i, 'route', j, 'destination'], mirror: false });
      });
    });
  }
  list(vs.http).forEach((rule, i) => {
    if (rule?.mirror) out.push({ destination: rule.mirror, path: ['spec', 'http', i, 'mirror'], mirror: true });
    list(rule?.mirrors).forEach((m, j) => {
      if (m?.destination) out.push({ destination: m.destination, path: ['spec', 'http', i, 'mirrors', j, 'destination'], mirror: true });
    });
  });
  return out;
}

function portNumbers(services: ServiceInfo[]): number[] {
  return [...new Set(services.flatMap((s) => s.ports.map((p) => p.number)))].sort((a, b) => a - b);
}

/** Whether some DestinationRule visible from `scopes` defines `subset` for `host` (seen from `ns`). */
function subsetDefined(ctx: AnalysisContext, host: string, ns: string, subset: string, scopes: string[]): boolean {
  const wanted = hostCandidates(host, ns);
  return ctx.destinationRules.some((dr) => {
    const spec = specOf<DestinationRuleSpec>(dr);
    if (!spec.host) return false;
    const drScopes = exportScopes(spec.exportTo, dr.metadata.namespace);
    if (!scopes.some((s) => visibleFrom(drScopes, s))) return false;
    const drHosts = hostCandidates(spec.host, dr.metadata.namespace);
    if (!drHosts.some((h) => wanted.some((w) => hostsMatch(h, w)))) return false;
    return list(spec.subsets).some((s) => s?.name === subset);
  });
}

function checkPort(vs: RawObject, d: Annotated, host: string, ports: number[], out: AnalysisMessage[]): void {
  const port = d.destination.port?.number;
  if (port === undefined || port === null) {
    if (ports.length > 1) {
      out.push(message(vs, 'IST0112', 'Error',
        `This VirtualService routes to a service ${JSON.stringify(host)} that exposes multiple ports [${ports.join(' ')}]. ` +
        'Specifying a port in the destination is required to disambiguate.', [...d.path, 'host']));
    }
  } else if (!ports.includes(port)) {
    out.push(message(vs, 'IST0101', 'Error', `Referenced host:port not found: ${JSON.stringify(`${host}:${port}`)}`, [...d.path, 'port', 'number']));
  }
}

function analyzeOne(ctx: AnalysisContext, vs: RawObject, out: AnalysisMessage[]): void {
  const spec = specOf<VirtualServiceSpec>(vs);
  const ns = vs.metadata.namespace;
  const scopes = lookupScopes(spec.exportTo, ns);
  for (const d of destinations(spec)) {
    const host = d.destination.host;
    if (!host) continue;
    const hostPath = [...d.path, 'host'];
    const services = ctx.findServices(host, ns, scopes);
    if (services.length === 0) {
      const what = d.mirror ? 'mirror host' : 'host';
      out.push(message(vs, 'IST0101', 'Error', `Referenced ${what} not found: ${JSON.stringify(host)}`, hostPath));
    } else {
      checkPort(vs, d, host, portNumbers(services), out);
    }
    const subset = d.destination.subset;
    if (subset && !subsetDefined(ctx, host, ns, subset, scopes)) {
      const what = d.mirror ? 'mirror+subset in destinationrule' : 'host+subset in destinationrule';
      out.push(message(vs, 'IST0101', 'Error',
        `Referenced ${what} not found: ${JSON.stringify(`${host}+${subset}`)}`,
        [...d.path, 'subset']));
    }
  }
}

export function analyzeVirtualServiceDestinations(ctx: AnalysisContext): AnalysisMessage[] {
  const out: AnalysisMessage[] = [];
  for (const vs of ctx.virtualServices) analyzeOne(ctx, vs, out);
  return out;
}
