/**
 * Types of the Istio `Sidecar` spec (networking.istio.io, v1alpha3/v1beta1/v1), field for field
 * as in the CRD, camelCase. Every field is optional, as in proto3; `null` from YAML means unset.
 * Data only, no logic.
 */
import type { ServerTLSSettings } from './gateway.js';
import type { ConnectionPoolSettings } from './destination-rule.js';

export type { ConnectionPoolSettings };

export interface Sidecar {
  workloadSelector?: WorkloadSelector;
  ingress?: IstioIngressListener[];
  egress?: IstioEgressListener[];
  inboundConnectionPool?: ConnectionPoolSettings;
  outboundTrafficPolicy?: OutboundTrafficPolicy;
}

export interface WorkloadSelector {
  labels?: Record<string, string>;
}

export type CaptureMode = 'DEFAULT' | 'IPTABLES' | 'NONE';

export interface SidecarPort {
  /** 0 (or unset) only on egress listeners bound to a unix domain socket. */
  number?: number;
  /** Empty means protocol sniffing. */
  protocol?: string;
  name?: string;
  /** Deprecated; rejected. */
  targetPort?: number;
}

export interface IstioIngressListener {
  port?: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  /** `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`, `[::]:PORT`, `:PORT` or `unix:///path`. */
  defaultEndpoint?: string;
  tls?: ServerTLSSettings;
  connectionPool?: ConnectionPoolSettings;
}

export interface IstioEgressListener {
  /** Unset on the catch-all listener, which must be the last one. */
  port?: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  /** `namespace/dnsName`; namespace `*`, `.`, `~`, a name, or `~name`. */
  hosts?: string[];
}

export type OutboundTrafficPolicyMode = 'REGISTRY_ONLY' | 'ALLOW_ANY';

export interface OutboundTrafficPolicy {
  /** Unset means REGISTRY_ONLY. */
  mode?: OutboundTrafficPolicyMode;
  egressProxy?: Destination;
}

export interface Destination {
  host?: string;
  subset?: string;
  port?: { number?: number };
}

