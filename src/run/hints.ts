/**
 * The commands `trellis up` suggests once the mesh is ready, derived from the config it runs:
 * a request through the ingress gateway (the first host of a Gateway server on port 80 that the
 * ingress gateway serves, as the `Host` header, and the first URI match of a VirtualService bound
 * to it for that host), a request from inside the mesh (`trellis exec`
 * from a workload with a sidecar to the first mesh VirtualService's host, service port and first
 * URI match), and `trellis status`. For the quick start: `curl -H 'Host: fe.toptops.top'
 * http://127.0.10.1:8080/`, `trellis exec proxy -- curl -s http://demoapp:8080/canary`. Pure.
 */
import type { Gateway } from '../api/istio/gateway.js';
import type { VirtualServiceSpec } from '../api/istio/virtual-service.js';
import type { Snapshot } from '../model/types.js';
import { INGRESS_GATEWAY } from '../registry/gateways.js';
import type { WorkloadPlan } from './plan.js';

function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * `Host` of the first plain-HTTP ingress server on port 80 ('' for `*`), if any, and the first
 * URI match of a VirtualService bound to that Gateway for that host ('/' when none).
 */
function ingressRequest(snapshot: Snapshot): { host: string; path: string } | undefined {
  for (const g of snapshot.gateways) {
    const spec = g.spec as Gateway;
    if (!selects(spec.selector, INGRESS_GATEWAY.labels)) continue;
    for (const s of spec.servers ?? []) {
      if (s?.port?.number !== 80) continue;
      const host = (s.hosts ?? []).map((h) => h.slice(h.indexOf('/') + 1)).find((h) => h && !h.includes('*')) ?? '';
      const bound = snapshot.virtualServices.find((vs) =>
        (vs.spec.gateways ?? []).some((n) => n === `${g.namespace}/${g.name}` || (n === g.name && vs.namespace === g.namespace)) &&
        (vs.spec.hosts ?? []).some((h) => h === host || h === '*'));
      return { host, path: bound ? firstPath(bound.spec) : '/' };
    }
  }
  return undefined;
}

function firstPath(vs: VirtualServiceSpec): string {
  for (const r of vs.http ?? []) {
    for (const m of r?.match ?? []) {
      const uri = m?.uri as { prefix?: string; exact?: string } | null | undefined;
      if (uri?.prefix) return uri.prefix;
      if (uri?.exact) return uri.exact;
    }
  }
  return '/';
}

/** `exec` target: a mesh VirtualService's host and port, and a client that is not behind it. */
function meshRequest(snapshot: Snapshot, workloads: readonly WorkloadPlan[]): { client: string; url: string } | undefined {
  for (const vs of snapshot.virtualServices) {
    const spec = vs.spec;
    const gateways = spec.gateways ?? [];
    if (gateways.length > 0 && !gateways.includes('mesh')) continue;
    for (const host of spec.hosts ?? []) {
      if (!host || host.includes('*')) continue;
      const svc = snapshot.service(host.includes('.') ? host : `${host}.${vs.namespace}.svc.cluster.local`, vs.namespace) ?? snapshot.service(host, vs.namespace);
      const port = svc?.ports[0]?.port;
      if (!svc || port === undefined) continue;
      const behind = new Set(snapshot.registry.endpoints.filter((e) => e.hostname === svc.hostname).map((e) => e.address));
      const client = workloads.find((w) => w.kind !== 'Gateway' && w.proxy && w.namespace === vs.namespace && !behind.has(w.podIp));
      if (!client) continue;
      return { client: client.namespace === 'default' ? client.deployment : `${client.namespace}/${client.deployment}`, url: `http://${host}${port === 80 ? '' : `:${port}`}${firstPath(spec)}` };
    }
  }
  return undefined;
}

/** Up to three commands to try; `trellis` is how the user runs the command (`npx trellis`…). */
export function hints(snapshot: Snapshot, workloads: readonly WorkloadPlan[], ingressUrl: string, trellis: string): string[] {
  const out: string[] = [];
  const ingress = ingressRequest(snapshot);
  if (ingress) out.push(`curl ${ingress.host ? `-H 'Host: ${ingress.host}' ` : ''}${ingressUrl}${ingress.path}`);
  const mesh = meshRequest(snapshot, workloads);
  if (mesh) out.push(`${trellis} exec ${mesh.client} -- curl -s ${mesh.url}`);
  out.push(`${trellis} status`);
  return out;
}
