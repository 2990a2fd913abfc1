/**
 * A cluster under construction (Istio's `clusterWrapper`): the Envoy Cluster plus the upstream
 * HTTP protocol options that are packed into `typedExtensionProtocolOptions` only when the cluster
 * is finished, and the skeleton every cluster starts from (Istio's `buildCluster`): name, type,
 * alt stat name, DNS settings, empty commonLbConfig, upstream protocol by port protocol.
 */
import {
  HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE,
  type Cluster, type DiscoveryType, type HttpProtocolOptions,
} from '../../api/envoy/cluster.js';
import type { ProxyType } from '../../model/types.js';
import type { ServiceProtocol } from '../../registry/types.js';
import type { LocalityGroup } from '../endpoints/build.js';
import { MESH_DNS_REFRESH_RATE } from './mesh-defaults.js';

export interface Draft {
  cluster: Cluster;
  http?: HttpProtocolOptions;
  /** Endpoints of STATIC/DNS clusters, kept grouped until locality LB settings are applied. */
  groups?: LocalityGroup[];
}

export function isHttp2Protocol(p: ServiceProtocol): boolean {
  return p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web';
}

/** Makes the cluster HTTP/2 (Istio's `setH2Options`). */
export function setH2(d: Draft): void {
  d.http ??= {};
  if (d.http.useDownstreamProtocolConfig) return;
  d.http.explicitHttpConfig = { http2ProtocolOptions: d.http.explicitHttpConfig?.http2ProtocolOptions ?? {} };
}

export function setUseDownstreamProtocol(d: Draft): void {
  d.http ??= {};
  delete d.http.explicitHttpConfig;
  d.http.useDownstreamProtocolConfig = { httpProtocolOptions: {}, http2ProtocolOptions: {} };
}

export function isH2Cluster(d: Draft): boolean {
  return d.http?.explicitHttpConfig?.http2ProtocolOptions !== undefined;
}

/** Istio's `buildCluster` skeleton (without endpoints; callers attach them). */
export function newDraft(name: string, type: DiscoveryType, protocol: ServiceProtocol, proxyType: ProxyType): Draft {
  const cluster: Cluster = { name, type, altStatName: `${name};`, commonLbConfig: {} };
  if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
    cluster.dnsLookupFamily = 'V4_ONLY';
    cluster.dnsRefreshRate = MESH_DNS_REFRESH_RATE;
    cluster.respectDnsTtl = true;
  }
  const d: Draft = { cluster };
  if (isHttp2Protocol(protocol)) setH2(d);
  else if (proxyType === 'sidecar' && protocol === 'UNKNOWN') setUseDownstreamProtocol(d);
  return d;
}

/** Istio's `clusterWrapper.build`: packs HTTP protocol options, defaulting to explicit HTTP/1.1. */
export function finish(d: Draft): Cluster {
  if (d.http) {
    const http: HttpProtocolOptions = { ...d.http };
    if (!http.explicitHttpConfig && !http.useDownstreamProtocolConfig) http.explicitHttpConfig = { httpProtocolOptions: {} };
    d.cluster.typedExtensionProtocolOptions = {
      [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, ...http },
    };
  }
  return d.cluster;
}

/** Istio's `maybeApplyEdsConfig`: EDS over ADS, resource named like the cluster. */
export function applyEdsConfig(c: Cluster): void {
  if (c.type !== 'EDS') return;
  c.edsClusterConfig = {
    serviceName: c.name,
    edsConfig: { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' },
  };
}
