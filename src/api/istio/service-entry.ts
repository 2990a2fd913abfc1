/**
 * Istio `networking.istio.io` ServiceEntry spec: services outside the platform registry (external
 * APIs, VMs). Field names as in the CRD; every field is optional, as in proto3. Types only.
 */
import type { WorkloadEntry } from './workload-entry.js';

export type ServiceEntryLocation = 'MESH_EXTERNAL' | 'MESH_INTERNAL';
export type ServiceEntryResolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'DYNAMIC_DNS';

export interface ServiceEntryPort {
  number?: number;
  /** Case-insensitive protocol name (HTTP, HTTPS, GRPC, TCP, TLS, …); empty means sniffing. */
  protocol?: string;
  name?: string;
  targetPort?: number;
}

export interface WorkloadSelector {
  labels?: Record<string, string>;
}

export interface ServiceEntry {
  hosts?: string[];
  /** Virtual IPs or CIDRs of the service. */
  addresses?: string[];
  ports?: ServiceEntryPort[];
  /** Default MESH_EXTERNAL. */
  location?: ServiceEntryLocation;
  /** Default NONE. */
  resolution?: ServiceEntryResolution;
  endpoints?: WorkloadEntry[];
  workloadSelector?: WorkloadSelector;
  exportTo?: string[];
  subjectAltNames?: string[];
}
