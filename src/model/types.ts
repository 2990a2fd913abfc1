/**
 * The control plane's model: an immutable snapshot of all valid config plus the registry, with
 * the indexes the compiler asks for, and the identity of a proxy. The compiler takes
 * (Snapshot, Proxy) and nothing else. Built by `model/snapshot.ts`; never mutated once built.
 */
import type { DestinationRuleSpec, Subset, TrafficPolicy } from '../api/istio/destination-rule.js';
import type { Gateway, Server } from '../api/istio/gateway.js';
import type { Sidecar } from '../api/istio/sidecar.js';
import type { VirtualServiceSpec } from '../api/istio/virtual-service.js';
import type { ConfigRef, Registry, Service, Endpoint, Workload } from '../registry/types.js';

/** A validated config object with its identity and origin. */
export interface ConfigObject<Spec> {
  kind: string;
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  spec: Spec;
  origin: ConfigRef;
}

export type ProxyType = 'sidecar' | 'router';

/** Who is asking for config: Istio's node identity, parsed. */
export interface Proxy {
  /** `sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local` (`router~…` for gateways). */
  id: string;
  type: ProxyType;
  ip: string;
  podName: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  workloadName: string;
  serviceAccount: string;
  clusterId: string;
  network: string;
  /** `grpc` for proxyless gRPC clients. */
  generator?: string;
  interceptionMode: 'REDIRECT' | 'NONE';
  /**
   * `region/zone/subzone` the proxy runs in ('' none), which locality load balancing is relative
   * to: the node's locality, else its workload's (model/proxy.ts `withLocality`). Undefined: not
   * resolved; the compiler then looks up the workload at `ip` itself.
   */
  locality?: string;
}

/** One egress host entry of a Sidecar scope: `namespace/dnsName` split, as Istio parses it. */
export interface EgressHost {
  namespace: string; // '*', '.', '~' or a namespace (already resolved from '.')
  host: string; // '*', FQDN, or '*.suffix'
}

export interface SidecarEgress {
  /** Port of this egress listener; undefined for the catch-all. */
  port?: { number: number; protocol: string; name: string };
  hosts: readonly EgressHost[];
}

/** The Sidecar resource in effect for a proxy, or Istio's default scope when none applies. */
export interface SidecarScope {
  /** The Sidecar object that applies (workloadSelector > namespace default > root namespace). */
  sidecar?: ConfigObject<Sidecar>;
  egress: readonly SidecarEgress[];
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
}

/** A DestinationRule after Istio's merge rules, for one host as seen from one namespace. */
export interface EffectiveDestinationRule {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets: readonly Subset[];
  /** Every DestinationRule merged into this one, first wins. */
  sources: readonly ConfigObject<DestinationRuleSpec>[];
}

/** A Gateway server together with the Gateway that declares it. */
export interface GatewayServer {
  gateway: ConfigObject<Gateway>;
  server: Server;
  index: number;
}

export interface Snapshot {
  /** Changes whenever any input changed; equal snapshots compile to equal output. */
  readonly version: string;
  readonly registry: Registry;
  readonly virtualServices: readonly ConfigObject<VirtualServiceSpec>[];
  readonly destinationRules: readonly ConfigObject<DestinationRuleSpec>[];
  readonly gateways: readonly ConfigObject<Gateway>[];
  readonly sidecars: readonly ConfigObject<Sidecar>[];

  /** Services with this exact hostname (ServiceEntries in several namespaces may share one). */
  servicesByHost(hostname: string): readonly Service[];
  /** The service a proxy in `fromNamespace` sees for `hostname`, honouring exportTo (own namespace first). */
  service(hostname: string, fromNamespace: string): Service | undefined;
  /** Endpoints of a service port, in a stable order. */
  endpoints(hostname: string, serviceNamespace: string, servicePort: number): readonly Endpoint[];
  /** The workload a proxy represents, by IP. */
  workloadByAddress(ip: string): Workload | undefined;
  /** Endpoints at this address (a proxy's own service targets), in registry order. */
  endpointsAt(address: string): readonly Endpoint[];

  /** The Sidecar scope for a proxy (Istio's precedence), and the services it may reach. */
  sidecarScope(proxy: Proxy): SidecarScope;
  /** Services visible to a proxy: exportTo and its Sidecar's egress hosts applied. */
  visibleServices(proxy: Proxy): readonly Service[];

  /**
   * VirtualServices bound to `gateway` (`mesh`, or `namespace/name` of a Gateway) and visible from
   * `fromNamespace` (exportTo), in Istio's order (creation order stands in as file order).
   */
  virtualServicesFor(gateway: string, fromNamespace: string): readonly ConfigObject<VirtualServiceSpec>[];
  /** The merged DestinationRule for a host as seen from a proxy (Istio's lookup and merge). */
  destinationRule(hostname: string, proxy: Proxy): EffectiveDestinationRule | undefined;
  /** Gateway servers that apply to a gateway proxy (selector over its labels). */
  gatewayServers(proxy: Proxy): readonly GatewayServer[];
}
