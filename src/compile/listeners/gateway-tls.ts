/**
 * The DownstreamTlsContext of a gateway server that terminates TLS, after Istio's
 * BuildListenerTLSContext (listener.go) and ApplyCredentialSDSToServerCommonTLSContext:
 * ALPN h2/http/1.1; client certificates required for MUTUAL and ISTIO_MUTUAL; `credentialName`
 * (or `credentialNames`) fetched by SDS over ADS as `kubernetes://NAME` with the CA as
 * `kubernetes://NAME-cacert` for MUTUAL/OPTIONAL_MUTUAL; ISTIO_MUTUAL uses the workload's own
 * SDS secrets `default` and `ROOTCA`; file paths (serverCertificate, privateKey, caCertificates)
 * are referenced directly as DataSource filenames (Istio routes them through its agent's file
 * SDS, which Trellis has no agent for); min/max TLS versions and cipher suites for
 * SIMPLE/MUTUAL/OPTIONAL_MUTUAL.
 */
import type { ConfigSource } from '../../api/envoy/cluster.js';
import type { DownstreamTlsContext, DownstreamValidationContext, TlsProtocolVersion } from '../../api/envoy/listener.js';
import type { ServerTLSSettings, TLSProtocolVersion } from '../../api/istio/gateway.js';
import { CA_SECRET_SUFFIX, SDS_DEFAULT, SDS_ROOT, credentialSecret } from '../clusters/tls.js';
import { ALPN_HTTP } from './filters.js';

const SDS_ADS: ConfigSource = { ads: {}, resourceApiVersion: 'V3' };

const VERSION: Record<TLSProtocolVersion, TlsProtocolVersion> = {
  TLS_AUTO: 'TLS_AUTO', TLSV1_0: 'TLSv1_0', TLSV1_1: 'TLSv1_1', TLSV1_2: 'TLSv1_2', TLSV1_3: 'TLSv1_3',
};

function validation(tls: ServerTLSSettings): DownstreamValidationContext {
  const v: DownstreamValidationContext = {};
  if (tls.subjectAltNames?.length) v.matchSubjectAltNames = tls.subjectAltNames.map((exact) => ({ exact }));
  if (tls.verifyCertificateSpki?.length) v.verifyCertificateSpki = [...tls.verifyCertificateSpki];
  if (tls.verifyCertificateHash?.length) v.verifyCertificateHash = [...tls.verifyCertificateHash];
  return v;
}

export function gatewayTlsContext(tls: ServerTLSSettings): DownstreamTlsContext {
  const mode = tls.mode ?? 'PASSTHROUGH';
  const requireClient = mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL';
  const validateClient = requireClient || mode === 'OPTIONAL_MUTUAL';
  const ctx: DownstreamTlsContext = { commonTlsContext: { alpnProtocols: [...ALPN_HTTP] }, requireClientCertificate: requireClient };
  const common = ctx.commonTlsContext;
  const names = tls.credentialNames?.length ? tls.credentialNames : tls.credentialName ? [tls.credentialName] : [];
  if (mode === 'ISTIO_MUTUAL') {
    common.tlsCertificateSdsSecretConfigs = [{ name: SDS_DEFAULT, sdsConfig: SDS_ADS }];
    common.combinedValidationContext = {
      defaultValidationContext: validation(tls),
      validationContextSdsSecretConfig: { name: SDS_ROOT, sdsConfig: SDS_ADS },
    };
  } else if (names.length > 0) {
    common.tlsCertificateSdsSecretConfigs = names.map(credentialSecret);
    if (validateClient) {
      common.combinedValidationContext = {
        defaultValidationContext: validation(tls),
        validationContextSdsSecretConfig: credentialSecret(`${names[0]}${CA_SECRET_SUFFIX}`),
      };
    }
  } else {
    const certs = tls.tlsCertificates?.length
      ? tls.tlsCertificates
      : [{ serverCertificate: tls.serverCertificate, privateKey: tls.privateKey }];
    common.tlsCertificates = certs
      .filter((c) => c.serverCertificate && c.privateKey)
      .map((c) => ({ certificateChain: { filename: c.serverCertificate! }, privateKey: { filename: c.privateKey! } }));
    if (validateClient && tls.caCertificates) {
      common.validationContext = { ...validation(tls), trustedCa: { filename: tls.caCertificates } };
    }
  }
  if (mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    const min = tls.minProtocolVersion && tls.minProtocolVersion !== 'TLS_AUTO' ? VERSION[tls.minProtocolVersion] : undefined;
    const max = tls.maxProtocolVersion && tls.maxProtocolVersion !== 'TLS_AUTO' ? VERSION[tls.maxProtocolVersion] : undefined;
    if (min || max || tls.cipherSuites?.length) {
      common.tlsParams = {
        ...(min ? { tlsMinimumProtocolVersion: min } : {}),
        ...(max ? { tlsMaximumProtocolVersion: max } : {}),
        ...(tls.cipherSuites?.length ? { cipherSuites: [...tls.cipherSuites] } : {}),
      };
    }
  }
  return ctx;
}
