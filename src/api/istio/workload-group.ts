/**
 * Istio `networking.istio.io` WorkloadGroup spec: the template for auto-registered
 * WorkloadEntries (VMs, Trellis local processes) and their readiness probe. Field names as in the
 * CRD; every field is optional, as in proto3. Types only.
 */
import type { WorkloadEntry } from './workload-entry.js';

export interface WorkloadGroupObjectMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface HTTPHeader {
  name?: string;
  value?: string;
}

export interface HTTPHealthCheckConfig {
  path?: string;
  port?: number;
  host?: string;
  /** '', 'HTTP' or 'HTTPS'. */
  scheme?: string;
  httpHeaders?: HTTPHeader[];
}

export interface TCPHealthCheckConfig {
  host?: string;
  port?: number;
}

export interface ExecHealthCheckConfig {
  command?: string[];
}

export interface GrpcHealthCheckConfig {
  port?: number;
  service?: string;
}

/** Exactly one of httpGet, tcpSocket, exec, grpc. */
export interface ReadinessProbe {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  httpGet?: HTTPHealthCheckConfig;
  tcpSocket?: TCPHealthCheckConfig;
  exec?: ExecHealthCheckConfig;
  grpc?: GrpcHealthCheckConfig;
}

export interface WorkloadGroup {
  metadata?: WorkloadGroupObjectMeta;
  /** Required; `address` is filled in at registration. */
  template?: WorkloadEntry;
  probe?: ReadinessProbe;
}
