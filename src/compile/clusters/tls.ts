/**
 * DestinationRule `tls` → the cluster's upstream TLS transport socket, as Istio's
 * `buildUpstreamClusterTLSContext`: ISTIO_MUTUAL uses the workload certificate and root from SDS
 * (`default`, `ROOTCA` over the `sds-grpc` cluster), SNI defaulting to
 * `outbound_.PORT_.SUBSET_.HOST`, SANs defaulting to the service's identities and ALPN `istio`;
 * SIMPLE/MUTUAL use `credentialName` as SDS secrets (`kubernetes://NAME`, `…-cacert`) or the
 * file paths as Istio's file SDS resources (`file-cert:CERT~KEY`, `file-root:CA`, CA default
 * `system`), with auto SNI / SAN validation when not given. DISABLE and unset → no socket (auto
 * mTLS is not modelled). Pure apart from mutating the draft.
 */
import {
  TLS_TRANSPORT_SOCKET, UPSTREAM_TLS_CONTEXT_TYPE,
  type CertificateValidationContext, type CommonTlsContext, type SdsSecretConfig, type UpstreamTlsContext,
} from '../../api/envoy/cluster.js';
import type { ClientTLSSettings } from '../../api/istio/destination-rule.js';
import { isH2Cluster, type Draft } from './draft.js';

export const SDS_CLUSTER = 'sds-grpc';
export const SDS_DEFAULT = 'default';
export const SDS_ROOT = 'ROOTCA';
/** Suffix of the secret holding a credential's CA certificate (`NAME-cacert`). */
export const CA_SECRET_SUFFIX = '-cacert';

/** Istio's `ConstructSdsSecretConfig`: a secret fetched from the agent's SDS server. */
export function sdsSecret(name: string): SdsSecretConfig {
  const cfg: SdsSecretConfig = {
    name,
    sdsConfig: {
      apiConfigSource: {
        apiType: 'GRPC',
        setNodeOnFirstMessageOnly: true,
        transportApiVersion: 'V3',
        grpcServices: [{ envoyGrpc: { clusterName: SDS_CLUSTER } }],
      },
      resourceApiVersion: 'V3',
    },
  };
  if (name === SDS_DEFAULT || name === SDS_ROOT) cfg.sdsConfig!.initialFetchTimeout = '0s';
  return cfg;
}

/** Istio's `ConstructSdsSecretConfigForCredential`: a Kubernetes secret fetched over ADS. */
export function credentialSecret(name: string): SdsSecretConfig {
  const resource = name.startsWith('sds://') ? name.slice('sds://'.length)
    : name.includes('://') ? name : `kubernetes://${name}`;
  return { name: resource, sdsConfig: { ads: {}, resourceApiVersion: 'V3' } };
}

function exactSans(sans: readonly string[] | null | undefined): CertificateValidationContext {
  return sans && sans.length > 0 ? { matchSubjectAltNames: sans.map((s) => ({ exact: s })) } : {};
}

function baseContext(): CommonTlsContext {
  return { tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_2', tlsMaximumProtocolVersion: 'TLSv1_3' } };
}

export interface TlsTarget {
  /** `outbound_.PORT_.SUBSET_.HOST`, the SNI Istio uses for in-mesh mTLS. */
  istioSni: string;
  /** Identities of the destination workloads (spiffe URIs), for ISTIO_MUTUAL SAN checks. */
  serviceAccounts: readonly string[];
  sidecar: boolean;
  /** Whether the DestinationRule has a workloadSelector (credentialName is only honoured then on sidecars). */
  ruleHasSelector: boolean;
}

function istioMutual(tls: ClientTLSSettings, d: Draft, t: TlsTarget): UpstreamTlsContext {
  const sans = tls.subjectAltNames ?? t.serviceAccounts;
  const ctx = baseContext();
  ctx.tlsCertificateSdsSecretConfigs = [sdsSecret(SDS_DEFAULT)];
  ctx.combinedValidationContext = { defaultValidationContext: exactSans(sans), validationContextSdsSecretConfig: sdsSecret(SDS_ROOT) };
  ctx.alpnProtocols = isH2Cluster(d) ? ['istio', 'h2'] : ['istio'];
  return { commonTlsContext: ctx, sni: tls.sni || t.istioSni };
}

function userTls(tls: ClientTLSSettings, d: Draft, mutual: boolean): UpstreamTlsContext | undefined {
  const ctx = baseContext();
  const out: UpstreamTlsContext = { commonTlsContext: ctx };
  if (tls.sni) out.sni = tls.sni;
  const skipVerify = tls.insecureSkipVerify === true;
  const autoSni = !tls.sni;
  const autoSan = autoSni && (tls.subjectAltNames?.length ?? 0) === 0 && !skipVerify;
  if (autoSni || autoSan) {
    d.http ??= {};
    d.http.upstreamHttpProtocolOptions = {
      ...d.http.upstreamHttpProtocolOptions,
      ...(autoSni ? { autoSni: true } : {}),
      ...(autoSan ? { autoSanValidation: true } : {}),
    };
  }
  if (tls.credentialName) {
    if (mutual) ctx.tlsCertificateSdsSecretConfigs = [credentialSecret(tls.credentialName)];
    if (!skipVerify) {
      ctx.combinedValidationContext = {
        defaultValidationContext: exactSans(tls.subjectAltNames),
        validationContextSdsSecretConfig: credentialSecret(`${tls.credentialName}${CA_SECRET_SUFFIX}`),
      };
    }
  } else {
    const ca = tls.caCertificates || 'system';
    if (mutual) {
      if (!tls.clientCertificate || !tls.privateKey) return undefined; // Istio logs and sends no TLS.
      ctx.tlsCertificateSdsSecretConfigs = [sdsSecret(`file-cert:${tls.clientCertificate}~${tls.privateKey}`)];
    }
    if (skipVerify) {
      ctx.validationContext = {};
    } else {
      const dvc = exactSans(tls.subjectAltNames);
      if (tls.caCrl) dvc.crl = { filename: tls.caCrl };
      ctx.combinedValidationContext = { defaultValidationContext: dvc, validationContextSdsSecretConfig: sdsSecret(`file-root:${ca}`) };
    }
  }
  if (isH2Cluster(d)) ctx.alpnProtocols = ['h2'];
  return out;
}

/** Applies a client TLS setting to an outbound cluster. */
export function applyUpstreamTls(d: Draft, tls: ClientTLSSettings | undefined, t: TlsTarget): void {
  if (!tls) return;
  const mode = tls.mode ?? 'DISABLE';
  if (tls.credentialName && t.sidecar && !t.ruleHasSelector && (mode === 'SIMPLE' || mode === 'MUTUAL')) return;
  let ctx: UpstreamTlsContext | undefined;
  switch (mode) {
    case 'ISTIO_MUTUAL': ctx = istioMutual(tls, d, t); break;
    case 'SIMPLE': ctx = userTls(tls, d, false); break;
    case 'MUTUAL': ctx = userTls(tls, d, true); break;
    default: ctx = undefined;
  }
  if (!ctx) return;
  d.cluster.transportSocket = { name: TLS_TRANSPORT_SOCKET, typedConfig: { '@type': UPSTREAM_TLS_CONTEXT_TYPE, ...ctx } };
}
