/**
 * Kubernetes Services as Istio's Kubernetes registry sees them: FQDN `NAME.NS.svc.cluster.local`,
 * ports with Istio's protocol selection (protocol.ts), clusterIP as the VIP (`None` = headless,
 * resolved as PASSTHROUGH), ExternalName as a DNS service, exportTo from the
 * `networking.istio.io/exportTo` annotation; endpoints are the selected workloads in the same
 * namespace (Deployment replicas, Pods, WorkloadEntries), with the target port resolved: a
 * number as is, a name against the workload's named ports (no such port, no endpoint).
 */
import type { RawObject } from '../api/resource.js';
import type { ServiceSpec } from '../api/kubernetes.js';
import { serviceFqdn } from '../api/names.js';
import { exportScopes, isEmptySelector, selects } from '../common/hosts.js';
import { configRef, isIp, specOf } from './objects.js';
import { kubePortProtocol } from './protocol.js';
import type { Endpoint, Service, ServicePort, Workload } from './types.js';

export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/** A service before VIP allocation; `needsVip` when the registry must allocate its address. */
export interface ServiceDraft {
  service: Service;
  needsVip: boolean;
  /** ExternalName target, for the DNS endpoint. */
  externalName?: string;
}

export function kubeService(o: RawObject): ServiceDraft {
  const spec = specOf<ServiceSpec>(o);
  const ns = o.metadata.namespace;
  const ports: ServicePort[] = (spec.ports ?? []).filter((p) => typeof p.port === 'number').map((p) => ({
    name: p.name ?? '',
    port: p.port!,
    protocol: kubePortProtocol(p.name, p.protocol, p.appProtocol),
    targetPort: p.targetPort ?? p.port!,
  }));
  const ann = o.metadata.annotations[EXPORT_TO_ANNOTATION];
  const exportTo = exportScopes(ann ? ann.split(',').map((s) => s.trim()).filter(Boolean) : undefined, ns);
  const ips = [...(spec.clusterIPs ?? []), ...(spec.clusterIP ? [spec.clusterIP] : [])].filter(isIp);
  const headless = spec.clusterIP === 'None';
  const external = spec.type === 'ExternalName' && !!spec.externalName;
  const selector = spec.selector && !isEmptySelector(spec.selector) ? { ...spec.selector } : undefined;
  const service: Service = {
    hostname: serviceFqdn(o.metadata.name, ns),
    namespace: ns,
    name: o.metadata.name,
    origin: configRef(o),
    ports,
    addresses: [...new Set(ips)],
    autoAllocated: false,
    resolution: external ? 'DNS' : headless ? 'PASSTHROUGH' : 'CLIENT_SIDE_LB',
    meshExternal: external,
    exportTo,
    ...(selector && !external ? { selector } : {}),
  };
  return {
    service,
    needsVip: ips.length === 0 && !headless && !external,
    ...(external ? { externalName: spec.externalName } : {}),
  };
}

/** Resolves a Kubernetes targetPort against a workload; undefined when a named port is missing. */
export function resolveTargetPort(port: ServicePort, w: Workload): number | undefined {
  const t = port.targetPort ?? port.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  return w.ports[t];
}

export function workloadEndpoint(svc: Service, port: ServicePort, w: Workload, targetPort: number): Endpoint {
  return {
    hostname: svc.hostname,
    serviceNamespace: svc.namespace,
    servicePort: port.port,
    address: w.address,
    port: targetPort,
    labels: w.labels,
    weight: w.weight,
    locality: w.locality,
    network: w.network,
    serviceAccount: w.serviceAccount,
    workload: { kind: w.kind, namespace: w.namespace, name: w.name },
    healthy: true,
    sidecar: w.sidecar,
  };
}

export function kubeServiceEndpoints(d: ServiceDraft, workloads: readonly Workload[]): Endpoint[] {
  const svc = d.service;
  const out: Endpoint[] = [];
  if (d.externalName) {
    for (const p of svc.ports) {
      out.push({
        hostname: svc.hostname, serviceNamespace: svc.namespace, servicePort: p.port, address: d.externalName,
        port: p.port, labels: {}, weight: 1, locality: '', network: '', serviceAccount: '', healthy: true, sidecar: false,
      });
    }
    return out;
  }
  if (!svc.selector) return out;
  const selected = workloads.filter((w) => w.namespace === svc.namespace && selects(svc.selector, w.labels));
  for (const p of svc.ports) {
    for (const w of selected) {
      const tp = resolveTargetPort(p, w);
      if (tp !== undefined) out.push(workloadEndpoint(svc, p, w, tp));
    }
  }
  return out;
}
