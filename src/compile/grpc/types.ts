/**
 * Envoy shapes that only proxyless gRPC clients get, in the proto3 JSON form of
 * api/envoy/common.ts: a Listener with an `api_listener` (an HttpConnectionManager packed in an
 * Any, no address-bound filter chains), and the certificate-provider form of upstream TLS that
 * gRPC reads (`tls_certificate_provider_instance`, `ca_certificate_provider_instance`) instead of
 * Envoy's SDS. Types and constants only.
 */
import type { Address } from '../../api/envoy/common.js';
import type { HttpConnectionManagerAny, HttpFilter, ListenerTypeUrl } from '../../api/envoy/listener.js';

export interface ApiListener {
  apiListener: HttpConnectionManagerAny;
}

/** A client-side gRPC listener: a name, the service address, and the HCM (no filter chains). */
export interface GrpcApiListener {
  name: string;
  address: Address;
  apiListener: ApiListener;
}

/** A route that lets the RPC through to the gRPC server's handler (Envoy's NonForwardingAction). */
export interface NonForwardingRoute {
  match: { prefix: string };
  nonForwardingAction: Record<string, never>;
}

/** The HCM of a gRPC server listener: an inline route configuration, router filter last. */
export interface ServerHcmAny {
  '@type': typeof ListenerTypeUrl.HttpConnectionManager;
  statPrefix: string;
  routeConfig: { name: string; virtualHosts: { name: string; domains: string[]; routes: NonForwardingRoute[] }[] };
  httpFilters: HttpFilter[];
}

/** A gRPC server's listener (`xds.istio.io/grpc/lds/inbound/IP:PORT`). */
export interface GrpcServerListener {
  name: string;
  address: Address;
  filterChains: { name: string; filters: { name: string; typedConfig: ServerHcmAny }[] }[];
}

/** What the gRPC LDS generator returns. */
export type GrpcListener = GrpcApiListener | GrpcServerListener;

export interface CertificateProviderPluginInstance {
  instanceName: string;
  certificateName?: string;
}

export type GrpcUpstreamTlsContextAny = {
  '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
  commonTlsContext: {
    tlsCertificateProviderInstance: CertificateProviderPluginInstance;
    validationContext: {
      caCertificateProviderInstance: CertificateProviderPluginInstance;
      matchSubjectAltNames?: { exact: string }[];
    };
  };
};

/**
 * The certificate provider instance a gRPC bootstrap must define (`certificate_providers.default`,
 * as Istio's agent writes it) for ISTIO_MUTUAL clusters; its `default` certificate is the
 * workload's, `ROOTCA` the mesh root.
 */
export const CERTIFICATE_PROVIDER = 'default';
