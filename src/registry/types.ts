/**
 * The service registry's data: services (from Kubernetes Services, ServiceEntries and the
 * built-in gateways), their endpoints, and the workloads behind them. Everything the compiler
 * needs to know about "what exists and where", with Istio's semantics already applied (protocol
 * from appProtocol or port-name prefix, ServiceEntry resolution, target ports, exportTo
 * normalised). Plain immutable data; built by `registry/build.ts`.
 */

/** Istio's protocols, canonical spelling; UNKNOWN means "sniff" (no protocol could be derived). */
export type ServiceProtocol =
  | 'HTTP' | 'HTTPS' | 'HTTP2' | 'GRPC' | 'GRPC-Web' | 'HTTP_PROXY'
  | 'TCP' | 'TLS' | 'UDP' | 'Mongo' | 'Redis' | 'MySQL' | 'UNKNOWN';

/** Where a piece of config came from, so every compiled decision can name it. */
export interface ConfigRef {
  kind: string;
  namespace: string;
  name: string;
  file: string;
  line: number;
}

export interface ServicePort {
  name: string;
  port: number;
  protocol: ServiceProtocol;
  /** Kubernetes targetPort or ServiceEntry targetPort; endpoints carry the resolved port. */
  targetPort?: number | string;
}

/**
 * Istio's internal resolution: CLIENT_SIDE_LB for Kubernetes Services and STATIC ServiceEntries
 * (EDS clusters), DNS (STRICT_DNS), DNS_ROUND_ROBIN (LOGICAL_DNS), PASSTHROUGH for NONE
 * (ORIGINAL_DST).
 */
export type Resolution = 'CLIENT_SIDE_LB' | 'DNS' | 'DNS_ROUND_ROBIN' | 'PASSTHROUGH';

export interface Service {
  /** FQDN: `NAME.NAMESPACE.svc.cluster.local`, or a ServiceEntry host as written (may be `*.x.com`). */
  hostname: string;
  namespace: string;
  /** Name of the object that defined it (Service or ServiceEntry). */
  name: string;
  origin: ConfigRef;
  ports: readonly ServicePort[];
  /** VIPs: Kubernetes clusterIP, ServiceEntry addresses, else auto-allocated (see `autoAllocated`). */
  addresses: readonly string[];
  autoAllocated: boolean;
  resolution: Resolution;
  meshExternal: boolean;
  /** Normalised exportTo: namespaces, `*`, or `~` (`.` replaced by the service's namespace). Default ['*']. */
  exportTo: readonly string[];
  /** Labels selecting its workloads (Service selector / ServiceEntry workloadSelector), if any. */
  selector?: Readonly<Record<string, string>>;
}

export interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface Endpoint {
  /** The service this endpoint belongs to (hostname + the service's namespace). */
  hostname: string;
  serviceNamespace: string;
  /** Service port number this endpoint serves. */
  servicePort: number;
  /** IP, hostname (DNS ServiceEntries) or `unix://` path. */
  address: string;
  /** Port on the endpoint (target port resolved). */
  port: number;
  labels: Readonly<Record<string, string>>;
  /** load_balancing_weight; default 1. */
  weight: number;
  /** `region/zone/subzone` or ''. */
  locality: string;
  network: string;
  serviceAccount: string;
  workload?: WorkloadRef;
  /** False when a health probe (WorkloadGroup) marks it unhealthy. */
  healthy: boolean;
  /** Whether the workload runs a sidecar (Istio's `tlsMode` label: istio vs disabled). */
  sidecar: boolean;
  /**
   * For hostname addresses of DNS services: the IPs the DNS cache last resolved (informational;
   * DNS clusters keep the hostname). Added by the registry; optional.
   */
  resolvedAddresses?: readonly string[];
}

export interface Workload {
  kind: 'Deployment' | 'Pod' | 'WorkloadEntry' | 'Gateway';
  namespace: string;
  /** The object's name (Deployment, Pod, WorkloadEntry, or the gateway's Deployment name). */
  name: string;
  /** Pod-like instance name: Deployment `NAME-N` per replica, else the object name. */
  podName: string;
  address: string;
  labels: Readonly<Record<string, string>>;
  serviceAccount: string;
  /** Named ports (WorkloadEntry `ports`, container ports by name). */
  ports: Readonly<Record<string, number>>;
  network: string;
  locality: string;
  weight: number;
  /** False for `sidecar.istio.io/inject: "false"` (outside the mesh). */
  sidecar: boolean;
  origin: ConfigRef;
}

export interface Registry {
  readonly services: readonly Service[];
  readonly endpoints: readonly Endpoint[];
  readonly workloads: readonly Workload[];
}
