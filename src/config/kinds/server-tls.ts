/**
 * Server-side TLS settings (`ServerTLSSettings`), shared by Gateway servers and Sidecar ingress
 * listeners: the field schema and Istio's rules (ISTIO-RULES §3.4 rules 53–56 and the CRD's CEL
 * rules on certificate sources). Kind-specific restrictions (which modes a Sidecar may use, which
 * ports may carry TLS) stay in the kind files. Pure functions reporting to a Ctx; never throws.
 */
import type { Ctx, Path, Seg } from '../ctx.js';
import { arr, bool, enumOf, obj, str, type Schema } from '../schema.js';
import type { ServerTLSSettings } from '../../api/istio/gateway.js';

export const SERVER_TLS_MODES = ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'];
const TLS_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'];

export const serverTlsSchema: Schema = obj({
  httpsRedirect: bool(),
  mode: enumOf(...SERVER_TLS_MODES),
  serverCertificate: str(),
  privateKey: str(),
  caCertificates: str(),
  caCertCredentialName: str(),
  caCrl: str(),
  credentialName: str(),
  credentialNames: arr(str()),
  tlsCertificates: arr(obj({ serverCertificate: str(), privateKey: str(), caCertificates: str() })),
  subjectAltNames: arr(str()),
  verifyCertificateSpki: arr(str()),
  verifyCertificateHash: arr(str()),
  minProtocolVersion: enumOf(...TLS_VERSIONS),
  maxProtocolVersion: enumOf(...TLS_VERSIONS),
  cipherSuites: arr(str()),
  insecureSkipVerify: bool(),
});

/** The cipher suites Istio accepts by name (Envoy/BoringSSL names). */
export const CIPHER_SUITES: readonly string[] = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA',
];
const CIPHER_SET = new Set(CIPHER_SUITES);

/** Istio accepts "", "ALL", known names, and expressions starting with an operator (`-`, `+`, `!`, `[`). */
function isValidCipherSuite(cs: string): boolean {
  if (cs === '' || cs === 'ALL') return true;
  if (!/^[\p{L}\p{N}]/u.test(cs)) return true;
  return CIPHER_SET.has(cs);
}

const set = (s: string | undefined | null): s is string => typeof s === 'string' && s !== '';
const nonEmpty = <T>(a: T[] | undefined | null): a is T[] => Array.isArray(a) && a.length > 0;

/** The effective mode: unset means PASSTHROUGH, the proto enum's zero value. */
export function tlsMode(tls: ServerTLSSettings): string {
  return tls.mode ?? 'PASSTHROUGH';
}

/** True when the TLS block is passthrough (PASSTHROUGH, the default, or AUTO_PASSTHROUGH). */
export function isPassthrough(tls: ServerTLSSettings): boolean {
  const m = tlsMode(tls);
  return m === 'PASSTHROUGH' || m === 'AUTO_PASSTHROUGH';
}

function checkCiphers(ctx: Ctx, path: Path, tls: ServerTLSSettings): void {
  const min = tls.minProtocolVersion;
  if ((min === 'TLSV1_0' || min === 'TLSV1_1') && !nonEmpty(tls.cipherSuites)) {
    ctx.warn([...path, 'minProtocolVersion'],
      `minProtocolVersion ${min} needs cipherSuites: the default cipher suites no longer include ones compatible with TLS below 1.2; set cipherSuites, or use TLSV1_2 or later`);
  }
  const seen = new Set<string>();
  (tls.cipherSuites ?? []).forEach((cs, i) => {
    if (typeof cs !== 'string') return;
    if (!isValidCipherSuite(cs)) {
      ctx.warn([...path, 'cipherSuites', i], `ignoring invalid cipher suite ${JSON.stringify(cs)}; valid cipher suites are: ${CIPHER_SUITES.join(', ')}`);
    } else if (seen.has(cs)) {
      ctx.warn([...path, 'cipherSuites', i], `ignoring duplicate cipher suite ${JSON.stringify(cs)}; list each cipher suite once`);
    } else {
      seen.add(cs);
    }
  });
}

const ISTIO_MUTUAL_FORBIDDEN: [keyof ServerTLSSettings, string][] = [
  ['serverCertificate', 'a server certificate'],
  ['privateKey', 'a private key'],
  ['caCertificates', 'a CA bundle'],
  ['tlsCertificates', 'tlsCertificates'],
  ['credentialName', 'a credentialName'],
  ['credentialNames', 'credentialNames'],
];

const CERT_FIELDS: (keyof ServerTLSSettings)[] = [
  'caCrl', 'serverCertificate', 'privateKey', 'caCertificates', 'tlsCertificates', 'credentialName', 'credentialNames',
];

function isFieldSet(tls: ServerTLSSettings, f: keyof ServerTLSSettings): boolean {
  const v = tls[f];
  return Array.isArray(v) ? v.length > 0 : set(v as string | undefined);
}

/** Only one certificate source (rule 54, and the CRD's CEL rules). */
function checkOneCertSource(ctx: Ctx, path: Path, tls: ServerTLSSettings): void {
  const sources: [string, Seg][] = [];
  if (set(tls.serverCertificate) && set(tls.privateKey)) sources.push(['serverCertificate/privateKey', 'serverCertificate']);
  if (set(tls.credentialName)) sources.push(['credentialName', 'credentialName']);
  if (nonEmpty(tls.credentialNames)) sources.push(['credentialNames', 'credentialNames']);
  if (nonEmpty(tls.tlsCertificates)) sources.push(['tlsCertificates', 'tlsCertificates']);
  if (sources.length > 1) {
    ctx.error([...path, sources[1]![1]],
      `only one certificate source may be set (credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates), but ${sources.map((s) => s[0]).join(' and ')} are set; keep one`);
  }
}

/** Istio's server TLS rules (validateTLSOptions). `path` points at the `tls` block. */
export function checkServerTls(ctx: Ctx, path: Path, tls: ServerTLSSettings | undefined | null): void {
  if (tls == null) return;
  const mode = tlsMode(tls);
  checkCiphers(ctx, path, tls);

  // The CRD caps credentialNames at 2 (maxItems); the webhook only warns for tlsCertificates (below).
  if (Array.isArray(tls.credentialNames) && tls.credentialNames.length > 2) {
    ctx.error([...path, 'credentialNames'], `at most 2 credentialNames may be set (one RSA and one ECDSA certificate), got ${tls.credentialNames.length}`);
  }

  if (mode === 'ISTIO_MUTUAL') {
    for (const [f, what] of ISTIO_MUTUAL_FORBIDDEN) {
      if (isFieldSet(tls, f)) {
        ctx.error([...path, f], `ISTIO_MUTUAL TLS cannot have ${what}: Istio supplies the workload certificate; remove ${f}, or use mode SIMPLE or MUTUAL to bring your own`);
      }
    }
    return;
  }

  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    for (const f of CERT_FIELDS) {
      if (isFieldSet(tls, f)) {
        ctx.warn([...path, f], `${mode} mode does not use certificates, so ${f} will be ignored; remove it, or use mode SIMPLE or MUTUAL to terminate TLS here`);
      }
    }
  }

  checkOneCertSource(ctx, path, tls);

  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // With a credential, the certificates (and CA) come from the secret: nothing else is required.
  if (terminating && (set(tls.credentialName) || nonEmpty(tls.credentialNames))) return;

  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : `${mode} TLS`;
    if (mode !== 'SIMPLE' && !set(tls.caCertificates)) {
      ctx.error([...path, 'caCertificates'], `${prefix} requires a client CA bundle: set caCertificates to a CA file path, or use credentialName (whose secret holds the CA)`);
    }
    if (Array.isArray(tls.tlsCertificates) && tls.tlsCertificates.length > 2) {
      ctx.warn([...path, 'tlsCertificates'], `${prefix} can support up to 2 server certificates (one RSA and one ECDSA), got ${tls.tlsCertificates.length}; the rest are ignored`);
    }
    if (nonEmpty(tls.tlsCertificates)) {
      tls.tlsCertificates.forEach((c, i) => {
        const p = [...path, 'tlsCertificates', i];
        if (!set(c?.serverCertificate)) ctx.error([...p, 'serverCertificate'], `${prefix} requires a server certificate: set serverCertificate to a certificate file path`);
        if (!set(c?.privateKey)) ctx.error([...p, 'privateKey'], `${prefix} requires a private key: set privateKey to a key file path`);
      });
    } else {
      if (!set(tls.serverCertificate)) ctx.error([...path, 'serverCertificate'], `${prefix} requires a server certificate: set serverCertificate and privateKey, or credentialName`);
      if (!set(tls.privateKey)) ctx.error([...path, 'privateKey'], `${prefix} requires a private key: set privateKey and serverCertificate, or credentialName`);
    }
  }

  if (set(tls.caCrl)) {
    if (set(tls.credentialName)) {
      ctx.error([...path, 'caCrl'], 'caCrl is not supported with credentialName; put the CRL in the credential secret (key "ca.crl") instead');
    }
    if (mode === 'SIMPLE') {
      ctx.error([...path, 'caCrl'], 'caCrl is not supported with SIMPLE TLS (no client certificates are verified); use mode MUTUAL or OPTIONAL_MUTUAL, or remove caCrl');
    }
  }
}
