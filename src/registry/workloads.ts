/**
 * Workloads from the input: one per Deployment replica, one per Pod, one per WorkloadEntry, plus
 * the built-in gateways (see gateways.ts). Deployment replicas are named `NAME-0`, `NAME-1`, …
 * (StatefulSet style, stable across runs); they carry the pod template's labels, annotations and
 * serviceAccountName. `sidecar.istio.io/inject: "false"` (annotation or label) marks a workload
 * without a sidecar. Addresses: WorkloadEntry `address`, Pod `status.podIP`, else the address plan.
 */
import type { RawObject } from '../api/resource.js';
import type { DeploymentSpec, PodSpec, PodTemplateSpec } from '../api/kubernetes.js';
import type { WorkloadEntry } from '../api/istio/workload-entry.js';
import { allocateWorkloadAddresses } from './address-plan.js';
import { configRef, isIp, specOf, stringMap } from './objects.js';
import type { Workload } from './types.js';

const INJECT = 'sidecar.istio.io/inject';
const TLS_MODE = 'security.istio.io/tlsMode';

/** A workload before the address plan ran (address '' when it needs one). */
export type WorkloadDraft = Workload;

function containerPorts(spec: PodSpec | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name && typeof p.containerPort === 'number' && out[p.name] === undefined) out[p.name] = p.containerPort;
    }
  }
  return out;
}

function injected(labels: Record<string, string>, annotations: Record<string, string>): boolean {
  const v = annotations[INJECT] ?? labels[INJECT];
  return v === undefined || v.toLowerCase() !== 'false';
}

function fromPodTemplate(
  o: RawObject, kind: 'Deployment' | 'Pod', podName: string, template: PodTemplateSpec, address: string,
): WorkloadDraft {
  const labels = stringMap(template.metadata?.labels);
  const annotations = stringMap(template.metadata?.annotations);
  return {
    kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    podName,
    address,
    labels,
    serviceAccount: template.spec?.serviceAccountName || 'default',
    ports: containerPorts(template.spec),
    network: '',
    locality: '',
    weight: 1,
    sidecar: injected(labels, annotations),
    origin: configRef(o),
  };
}

export function deploymentWorkloads(o: RawObject): WorkloadDraft[] {
  const spec = specOf<DeploymentSpec>(o);
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const out: WorkloadDraft[] = [];
  for (let i = 0; i < replicas; i++) {
    out.push(fromPodTemplate(o, 'Deployment', `${o.metadata.name}-${i}`, spec.template ?? {}, ''));
  }
  return out;
}

export function podWorkload(o: RawObject): WorkloadDraft {
  const status = o.body.status as { podIP?: unknown } | undefined;
  const ip = typeof status?.podIP === 'string' && isIp(status.podIP) ? status.podIP : '';
  const template: PodTemplateSpec = {
    metadata: { labels: o.metadata.labels, annotations: o.metadata.annotations },
    spec: specOf<PodSpec>(o),
  };
  return fromPodTemplate(o, 'Pod', o.metadata.name, template, ip);
}

/** Istio's tlsMode for a WorkloadEntry: its `security.istio.io/tlsMode` label, else istio when it has a service account. */
export function entryHasSidecar(e: WorkloadEntry): boolean {
  const mode = e.labels?.[TLS_MODE];
  if (mode !== undefined) return mode === 'istio';
  return !!e.serviceAccount;
}

export function workloadEntryWorkload(o: RawObject): WorkloadDraft {
  const spec = specOf<WorkloadEntry>(o);
  return {
    kind: 'WorkloadEntry',
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    podName: o.metadata.name,
    address: spec.address ?? '',
    labels: { ...(spec.labels ?? {}) },
    serviceAccount: spec.serviceAccount ?? '',
    ports: { ...(spec.ports ?? {}) },
    network: spec.network ?? '',
    locality: spec.locality ?? '',
    weight: spec.weight && spec.weight > 0 ? spec.weight : 1,
    sidecar: entryHasSidecar(spec),
    origin: configRef(o),
  };
}

/** Gives every draft without an address one from the address plan (see address-plan.ts). */
export function assignAddresses(drafts: readonly WorkloadDraft[]): Workload[] {
  const taken = drafts.filter((w) => w.address).map((w) => w.address);
  const need = drafts.filter((w) => !w.address).map((w) => `${w.namespace}/${w.podName}`);
  const plan = allocateWorkloadAddresses(need, taken);
  return drafts.map((w) => (w.address ? w : { ...w, address: plan.get(`${w.namespace}/${w.podName}`)! }));
}
