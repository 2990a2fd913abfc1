/**
 * The workload table of a running mesh, shared by `trellis up` (once everything started) and
 * `trellis status`: NAMESPACE NAME VERSION ADDRESS READY RESTARTS, one row per pod, in the
 * state's order (gateways first, then workloads by namespace and name), and the JSON shape of
 * `trellis status -o json`. Pure formatting.
 */
import type { MeshState, WorkloadState } from './state-file.js';
import { tabulate } from './proxy-config/tabwriter.js';

/** ADDRESS: the pod IP (what other workloads call); READY: yes or no. */
export function renderWorkloadTable(workloads: readonly WorkloadState[], ready: readonly boolean[]): string {
  const rows: string[][] = [['NAMESPACE', 'NAME', 'VERSION', 'ADDRESS', 'READY', 'RESTARTS']];
  workloads.forEach((w, i) => {
    rows.push([w.namespace, w.name, w.version || '-', w.podIp, ready[i] ? 'yes' : 'no', String(w.restarts)]);
  });
  return tabulate(rows, 3);
}

export interface StatusJson {
  ingress: string;
  egress: string;
  workloads: { namespace: string; name: string; address: string; ready: boolean }[];
}

export function statusJson(state: MeshState, ready: readonly boolean[]): StatusJson {
  return {
    ingress: state.ingress,
    egress: state.egress,
    workloads: state.workloads.map((w, i) => ({ namespace: w.namespace, name: w.name, address: w.podIp, ready: ready[i] === true })),
  };
}
