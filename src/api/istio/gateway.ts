/**
 * Types of the Istio `Gateway` spec (networking.istio.io, v1alpha3/v1beta1/v1), field for field
 * as in the CRD, camelCase. Every field is optional, as in proto3; `null` from YAML means unset.
 * `ServerTLSSettings` is shared with the Sidecar ingress listener. Data only, no logic.
 */

export interface Gateway {
  servers?: Server[];
  /** Labels selecting the gateway workloads (pods/VMs) this config applies to. */
  selector?: Record<string, string>;
}

export interface Server {
  port?: Port;
  /** An IP address or `unix:///abs/path` / `unix://@abstract` to bind the listener to. */
  bind?: string;
  /** `host` or `namespace/host`; `*` and `*.example.com` allowed. */
  hosts?: string[];
  tls?: ServerTLSSettings;
  defaultEndpoint?: string;
  /** Optional server name, for referencing a server from elsewhere. */
  name?: string;
}

export interface Port {
  number?: number;
  /** HTTP, HTTPS, GRPC, GRPC-Web, HTTP2, MONGO, TCP, TLS, … (case-insensitive). */
  protocol?: string;
  name?: string;
  /** Deprecated; rejected on Gateways and Sidecars. */
  targetPort?: number;
}

export type ServerTLSMode = 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';
export type TLSProtocolVersion = 'TLS_AUTO' | 'TLSV1_0' | 'TLSV1_1' | 'TLSV1_2' | 'TLSV1_3';

export interface ServerTLSSettings {
  httpsRedirect?: boolean;
  /** Unset means PASSTHROUGH (the proto enum's zero value). */
  mode?: ServerTLSMode;
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  caCertCredentialName?: string;
  caCrl?: string;
  credentialName?: string;
  credentialNames?: string[];
  tlsCertificates?: TLSCertificate[];
  subjectAltNames?: string[];
  verifyCertificateSpki?: string[];
  verifyCertificateHash?: string[];
  minProtocolVersion?: TLSProtocolVersion;
  maxProtocolVersion?: TLSProtocolVersion;
  cipherSuites?: string[];
  insecureSkipVerify?: boolean;
}

export interface TLSCertificate {
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
}
