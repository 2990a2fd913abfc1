/**
 * Gateways against their workloads (Istio's IngressGatewayPortAnalyzer and
 * ConflictingGatewayAnalyzer): a Gateway's selector must match some workload in any namespace
 * (IST0101); each server port must be a port or target port of a TCP Service selecting one of
 * those workloads (IST0162, a warning); and two Gateways on the same workload must not both
 * serve one host, with the same bind, on one port (IST0145). Trellis's built-in ingress and
 * egress gateways (and their Services) count as workloads here.
 */
import type { RawObject } from '../../api/resource.js';
import type { AnalysisContext, Workload } from './context.js';
import { isEmptySelector, selectorString, selects } from '../../common/hosts.js';
import type { AnalysisMessage } from './message.js';
import { fullName, list, message, specOf, type GatewaySpec } from './specs.js';

function selectorOf(gw: RawObject): Record<string, string> {
  return specOf<GatewaySpec>(gw).selector ?? {};
}

function selectedWorkloads(ctx: AnalysisContext, gw: RawObject): Workload[] {
  const sel = selectorOf(gw);
  return ctx.workloads.filter((w) => selects(sel, w.labels));
}

/** Port numbers reachable through the Services in front of `workloads`: ports and numeric target ports. */
function exposedPorts(ctx: AnalysisContext, workloads: Workload[]): Set<number> {
  const out = new Set<number>();
  for (const w of workloads) {
    for (const svc of ctx.services) {
      if (svc.kind !== 'Service' || svc.namespace !== w.namespace) continue;
      if (isEmptySelector(svc.selector) || !selects(svc.selector, w.labels)) continue;
      for (const p of svc.ports) {
        if (p.protocol.toUpperCase() !== 'TCP') continue;
        out.add(p.number);
        const tp = typeof p.targetPort === 'number' ? p.targetPort : Number(p.targetPort);
        if (Number.isInteger(tp) && tp > 0) out.add(tp);
      }
    }
  }
  return out;
}

function analyzePorts(ctx: AnalysisContext, gw: RawObject, out: AnalysisMessage[]): void {
  const sel = selectorOf(gw);
  const workloads = selectedWorkloads(ctx, gw);
  if (workloads.length === 0) {
    out.push(message(gw, 'IST0101', 'Error', `Referenced selector not found: ${JSON.stringify(selectorString(sel))}`, ['spec', 'selector']));
    return;
  }
  const exposed = exposedPorts(ctx, workloads);
  list(specOf<GatewaySpec>(gw).servers).forEach((server, i) => {
    const n = server?.port?.number;
    if (typeof n !== 'number' || exposed.has(n)) return;
    out.push(message(gw, 'IST0162', 'Warning',
      `The gateway is listening on a target port (port ${n}) that is not defined in the Service associated with its workload ` +
      `instances (Pod selector ${selectorString(sel)}). If you need to access the gateway port through the gateway Service, ` +
      'it will not be available.', ['spec', 'servers', i, 'port', 'number']));
  });
}

function shareWorkload(ctx: AnalysisContext, a: RawObject, b: RawObject): boolean {
  const sa = selectorOf(a);
  const sb = selectorOf(b);
  if (selectorString(sa) === selectorString(sb)) return true;
  return ctx.workloads.some((w) => selects(sa, w.labels) && selects(sb, w.labels));
}

function analyzeConflicts(ctx: AnalysisContext, out: AnalysisMessage[]): void {
  const gws = ctx.gateways;
  for (const a of gws) {
    const others = gws.filter((b) => b !== a && shareWorkload(ctx, a, b));
    if (others.length === 0) continue;
    list(specOf<GatewaySpec>(a).servers).forEach((server, i) => {
      const port = server?.port?.number;
      if (typeof port !== 'number') return;
      const hosts = list(server?.hosts);
      const bind = server?.bind ?? '';
      const conflicting = others.filter((b) => list(specOf<GatewaySpec>(b).servers).some((t) =>
        t?.port?.number === port && (t.bind ?? '') === bind && list(t.hosts).some((h) => hosts.includes(h))));
      if (conflicting.length === 0) return;
      out.push(message(a, 'IST0145', 'Error',
        `Conflict with gateways ${conflicting.map(fullName).sort().join(',')} (workload selector ${selectorString(selectorOf(a))}, ` +
        `port ${port}, hosts ${hosts.join(',')}).`, ['spec', 'servers', i]));
    });
  }
}

export function analyzeGateways(ctx: AnalysisContext): AnalysisMessage[] {
  const out: AnalysisMessage[] = [];
  for (const gw of ctx.gateways) analyzePorts(ctx, gw, out);
  analyzeConflicts(ctx, out);
  return out;
}
