/**
 * ServiceEntries as Istio's ServiceEntry registry converts them: one Service per host (named after
 * the ServiceEntry), ports with their declared protocol, `location` (MESH_EXTERNAL by default),
 * `resolution` mapped to Istio's internal one (NONE → PASSTHROUGH, STATIC → CLIENT_SIDE_LB, DNS,
 * DNS_ROUND_ROBIN; DYNAMIC_DNS treated as DNS), exportTo normalised. Endpoints come from
 * `endpoints`, or from `workloadSelector` over workloads in the ServiceEntry's namespace; a DNS
 * entry with neither gets one endpoint per host (the host itself). Endpoint port: the endpoint's
 * `ports[portName]`, else the port's `targetPort`, else its number (`unix://` endpoints: 0).
 */
import type { RawObject } from '../api/resource.js';
import type { ServiceEntry, ServiceEntryResolution } from '../api/istio/service-entry.js';
import type { WorkloadEntry } from '../api/istio/workload-entry.js';
import { exportScopes, isEmptySelector, isWildcard, selects } from '../common/hosts.js';
import type { ServiceDraft } from './kube-services.js';
import { workloadEndpoint } from './kube-services.js';
import { configRef, specOf } from './objects.js';
import { parseProtocol } from './protocol.js';
import { entryHasSidecar } from './workloads.js';
import type { Endpoint, Resolution, Service, ServicePort, Workload } from './types.js';

export function seResolution(r: ServiceEntryResolution | undefined): Resolution {
  switch (r) {
    case 'STATIC': return 'CLIENT_SIDE_LB';
    case 'DNS': case 'DYNAMIC_DNS': return 'DNS';
    case 'DNS_ROUND_ROBIN': return 'DNS_ROUND_ROBIN';
    default: return 'PASSTHROUGH';
  }
}

/** One draft per host of the ServiceEntry. */
export function serviceEntryServices(o: RawObject): ServiceDraft[] {
  const spec = specOf<ServiceEntry>(o);
  const ns = o.metadata.namespace;
  const resolution = seResolution(spec.resolution);
  const ports: ServicePort[] = (spec.ports ?? []).filter((p) => typeof p.number === 'number').map((p) => ({
    name: p.name ?? '',
    port: p.number!,
    protocol: parseProtocol(p.protocol),
    ...(p.targetPort ? { targetPort: p.targetPort } : {}),
  }));
  const selector = spec.workloadSelector?.labels && !isEmptySelector(spec.workloadSelector.labels)
    ? { ...spec.workloadSelector.labels } : undefined;
  const addresses = [...new Set(spec.addresses ?? [])];
  return (spec.hosts ?? []).map((host) => ({
    service: {
      hostname: host,
      namespace: ns,
      name: o.metadata.name,
      origin: configRef(o),
      ports,
      addresses,
      autoAllocated: false,
      resolution,
      meshExternal: spec.location !== 'MESH_INTERNAL',
      exportTo: exportScopes(spec.exportTo, ns),
      ...(selector ? { selector } : {}),
    } satisfies Service,
    // Istio auto-allocates only for non-wildcard hosts that are not passthrough.
    needsVip: addresses.length === 0 && !isWildcard(host) && resolution !== 'PASSTHROUGH',
  }));
}

function endpointPort(p: ServicePort, named: Readonly<Record<string, number>> | undefined, address: string): number {
  if (address.startsWith('unix://')) return 0;
  const byName = named?.[p.name];
  if (typeof byName === 'number' && byName > 0) return byName;
  const t = p.targetPort;
  if (typeof t === 'number' && t > 0) return t;
  return p.port;
}

function inlineEndpoint(svc: Service, p: ServicePort, e: WorkloadEntry, resolved: readonly string[] | undefined): Endpoint {
  const address = e.address ?? '';
  return {
    hostname: svc.hostname,
    serviceNamespace: svc.namespace,
    servicePort: p.port,
    address,
    port: endpointPort(p, e.ports, address),
    labels: { ...(e.labels ?? {}) },
    weight: e.weight && e.weight > 0 ? e.weight : 1,
    locality: e.locality ?? '',
    network: e.network ?? '',
    serviceAccount: e.serviceAccount ?? '',
    healthy: true,
    sidecar: entryHasSidecar(e),
    ...(resolved ? { resolvedAddresses: resolved } : {}),
  };
}

/**
 * Endpoints of one ServiceEntry host. `dns` gives the current resolver results for hostnames
 * (informational: DNS clusters keep the hostname as their address).
 */
export function serviceEntryEndpoints(
  o: RawObject, svc: Service, workloads: readonly Workload[], dns: ReadonlyMap<string, readonly string[]>,
): Endpoint[] {
  const spec = specOf<ServiceEntry>(o);
  const dnsResolved = svc.resolution === 'DNS' || svc.resolution === 'DNS_ROUND_ROBIN';
  const out: Endpoint[] = [];
  if (spec.endpoints && spec.endpoints.length > 0) {
    for (const p of svc.ports) {
      for (const e of spec.endpoints) out.push(inlineEndpoint(svc, p, e, dnsResolved ? dns.get(e.address ?? '') : undefined));
    }
    return out;
  }
  if (svc.selector) {
    const selected = workloads.filter((w) => w.namespace === svc.namespace && w.kind !== 'Gateway' && selects(svc.selector, w.labels));
    for (const p of svc.ports) {
      for (const w of selected) out.push(workloadEndpoint(svc, p, w, endpointPort(p, w.ports, w.address)));
    }
    return out;
  }
  if (dnsResolved && !isWildcard(svc.hostname)) {
    for (const p of svc.ports) {
      out.push(inlineEndpoint(svc, p, { address: svc.hostname }, dns.get(svc.hostname)));
    }
  }
  return out;
}
