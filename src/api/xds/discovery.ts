/**
 * The discovery protocol's messages (envoy.service.discovery.v3) in proto3 canonical JSON form,
 * as the ADS service definition (`service.ts`) hands them to handlers and takes them back.
 * Resources are `{'@type': …, ...fields}` objects (Listener, Cluster, …). Types only.
 */
import type { Any, Duration, Locality, Metadata } from '../envoy/common.js';

/** `envoy.config.core.v3.Node`: who is asking (Istio's node id, metadata as plain JSON). */
export interface Node {
  id?: string;
  cluster?: string;
  metadata?: Record<string, unknown>;
  locality?: Locality;
  userAgentName?: string;
  userAgentVersion?: string;
  clientFeatures?: string[];
}

/** `google.rpc.Status`, the detail of a NACK. */
export interface Status {
  code?: number;
  message?: string;
  details?: Any[];
}

export interface DiscoveryRequest {
  versionInfo?: string;
  node?: Node;
  resourceNames?: string[];
  typeUrl?: string;
  responseNonce?: string;
  errorDetail?: Status;
}

export interface DiscoveryResponse {
  versionInfo?: string;
  /** Each resource with its `@type`. */
  resources?: object[];
  canary?: boolean;
  typeUrl?: string;
  nonce?: string;
  controlPlane?: { identifier?: string };
}

export interface DeltaDiscoveryRequest {
  node?: Node;
  typeUrl?: string;
  resourceNamesSubscribe?: string[];
  resourceNamesUnsubscribe?: string[];
  initialResourceVersions?: Record<string, string>;
  responseNonce?: string;
  errorDetail?: Status;
}

/** `envoy.service.discovery.v3.Resource`: one named, versioned resource of a delta response. */
export interface DeltaResource {
  name?: string;
  aliases?: string[];
  version?: string;
  resource?: object;
  ttl?: Duration;
  cacheControl?: { doNotCache?: boolean };
  metadata?: Metadata;
}

export interface DeltaDiscoveryResponse {
  systemVersionInfo?: string;
  resources?: DeltaResource[];
  typeUrl?: string;
  removedResources?: string[];
  nonce?: string;
  controlPlane?: { identifier?: string };
}
