/**
 * Builds the Registry from validated input objects: workloads (Deployment replicas, Pods,
 * WorkloadEntries, the built-in gateways), services (Kubernetes Services, ServiceEntries, the
 * built-in gateway Services), VIPs for services without one (address-plan.ts), and endpoints.
 * Deterministic: the same objects (and DNS results) give the same registry, whatever the run.
 * Objects are taken in input order, later duplicates replacing earlier ones (objects.ts).
 */
import type { RawObject } from '../api/resource.js';
import { ROOT_NAMESPACE, serviceFqdn } from '../api/names.js';
import { allocateVips } from './address-plan.js';
import { BUILTIN_GATEWAYS, builtinOrigin, gatewayServicePorts, gatewayWorkload } from './gateways.js';
import { kubeService, kubeServiceEndpoints, type ServiceDraft } from './kube-services.js';
import { latestObjects } from './objects.js';
import { serviceEntryEndpoints, serviceEntryServices } from './service-entries.js';
import { assignAddresses, deploymentWorkloads, podWorkload, workloadEntryWorkload, type WorkloadDraft } from './workloads.js';
import type { Endpoint, Registry, Service } from './types.js';

export interface RegistryOptions {
  /** Add istio-system/istio-ingressgateway and istio-egressgateway unless the input defines them. Default true. */
  builtinGateways?: boolean;
  /** Current DNS results by hostname (dns.ts `DnsCache.results()`). */
  dns?: ReadonlyMap<string, readonly string[]>;
}

function workloadDrafts(objects: readonly RawObject[], builtin: boolean): WorkloadDraft[] {
  const drafts: WorkloadDraft[] = [];
  for (const o of objects) {
    if (o.kind === 'Deployment') drafts.push(...deploymentWorkloads(o));
    else if (o.kind === 'Pod') drafts.push(podWorkload(o));
    else if (o.kind === 'WorkloadEntry') drafts.push(workloadEntryWorkload(o));
  }
  if (builtin) {
    for (const gw of BUILTIN_GATEWAYS) {
      const defined = drafts.some((w) => w.namespace === ROOT_NAMESPACE && w.name === gw.name && w.kind !== 'WorkloadEntry');
      if (!defined) drafts.push(gatewayWorkload(gw));
    }
  }
  return drafts;
}

function allocateServiceVips(drafts: ServiceDraft[]): Service[] {
  const taken = drafts.flatMap((d) => d.service.addresses);
  const need = drafts.filter((d) => d.needsVip).map((d) => `${d.service.namespace}/${d.service.hostname}`);
  const vips = allocateVips(need, taken);
  return drafts.map((d) => {
    if (!d.needsVip) return d.service;
    const vip = vips.get(`${d.service.namespace}/${d.service.hostname}`);
    return vip ? { ...d.service, addresses: [vip], autoAllocated: true } : d.service;
  });
}

export function buildRegistry(input: readonly RawObject[], opts: RegistryOptions = {}): Registry {
  const objects = latestObjects(input);
  const builtin = opts.builtinGateways ?? true;
  const dns = opts.dns ?? new Map<string, readonly string[]>();
  const workloads = assignAddresses(workloadDrafts(objects, builtin));

  const drafts: { draft: ServiceDraft; source: RawObject | undefined }[] = [];
  for (const o of objects) {
    if (o.kind === 'Service') drafts.push({ draft: kubeService(o), source: o });
    else if (o.kind === 'ServiceEntry') for (const d of serviceEntryServices(o)) drafts.push({ draft: d, source: o });
  }
  if (builtin) {
    for (const gw of BUILTIN_GATEWAYS) {
      const host = serviceFqdn(gw.name, ROOT_NAMESPACE);
      if (drafts.some((d) => d.draft.service.hostname === host && d.draft.service.namespace === ROOT_NAMESPACE)) continue;
      drafts.push({
        source: undefined,
        draft: {
          needsVip: true,
          service: {
            hostname: host, namespace: ROOT_NAMESPACE, name: gw.name, origin: builtinOrigin('Service', gw.name),
            ports: gatewayServicePorts(gw), addresses: [], autoAllocated: false, resolution: 'CLIENT_SIDE_LB',
            meshExternal: false, exportTo: ['*'], selector: { ...gw.labels },
          },
        },
      });
    }
  }
  const services = allocateServiceVips(drafts.map((d) => d.draft));

  const endpoints: Endpoint[] = [];
  drafts.forEach(({ draft, source }, i) => {
    const svc = services[i]!;
    if (source?.kind === 'ServiceEntry') endpoints.push(...serviceEntryEndpoints(source, svc, workloads, dns));
    else endpoints.push(...kubeServiceEndpoints({ ...draft, service: svc }, workloads));
  });
  return { services, endpoints, workloads };
}
