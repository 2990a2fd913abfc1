/**
 * The table of kind validators, by kind name.
 */
import type { KindValidator } from './kind.js';
import { virtualService } from './virtual-service.js';
import { destinationRule } from './destination-rule.js';
import { gateway } from './gateway.js';
import { serviceEntry } from './service-entry.js';
import { workloadEntry } from './workload-entry.js';
import { workloadGroup } from './workload-group.js';
import { sidecar } from './sidecar.js';
import { kubeService } from './kube-service.js';
import { kubeNamespace } from './kube-namespace.js';
import { kubeDeployment } from './kube-deployment.js';
import { kubePod } from './kube-pod.js';

export const KIND_VALIDATORS: Record<string, KindValidator<any>> = {
  VirtualService: virtualService,
  DestinationRule: destinationRule,
  Gateway: gateway,
  ServiceEntry: serviceEntry,
  WorkloadEntry: workloadEntry,
  WorkloadGroup: workloadGroup,
  Sidecar: sidecar,
  Service: kubeService,
  Namespace: kubeNamespace,
  Deployment: kubeDeployment,
  Pod: kubePod,
};
