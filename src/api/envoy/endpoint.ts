/**
 * Envoy v3 `ClusterLoadAssignment` (envoy.config.endpoint.v3) in proto3 canonical JSON form (see
 * common.ts): endpoints grouped by locality, with weights, health and priorities. Used for EDS
 * responses and for the inline `loadAssignment` of STATIC and DNS clusters. Types only.
 */
import type { Address, Locality, Metadata } from './common.js';

export type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

export interface Endpoint {
  address: Address;
  hostname?: string;
}

export interface LbEndpoint {
  endpoint: Endpoint;
  healthStatus?: HealthStatus;
  metadata?: Metadata;
  loadBalancingWeight?: number;
}

export interface LocalityLbEndpoints {
  locality?: Locality;
  lbEndpoints: LbEndpoint[];
  loadBalancingWeight?: number;
  priority?: number;
}

export interface ClusterLoadAssignment {
  clusterName: string;
  endpoints?: LocalityLbEndpoints[];
}
