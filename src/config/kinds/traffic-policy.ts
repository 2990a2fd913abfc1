/**
 * Semantic rules for a DestinationRule `TrafficPolicy` (ISTIO-RULES §3.3 rules 38–41 and 45):
 * the policy as a whole, portLevelSettings, connectionPool, outlierDetection, client TLS, tunnel
 * and retryBudget. Load balancer rules live in load-balancer.ts. Runs after the schema check, so
 * types are trusted; unset and null fields are treated alike. Reports to Ctx, never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import { fqdnError, isIPAddress, isValidPort } from '../rules.js';
import type {
  ClientTLSSettings, ConnectionPoolSettings, OutlierDetection, PortTrafficPolicy, RetryBudget, TrafficPolicy, TunnelSettings,
} from '../../api/istio/destination-rule.js';
import { validateLoadBalancer } from './load-balancer.js';
import { checkConnectionPool } from './connection-pool.js';
import { checkDurationSyntax, isSet, nonEmpty } from './dr-helpers.js';

const POLICY_FIELDS = 'loadBalancer, connectionPool, outlierDetection, tls, portLevelSettings, tunnel, proxyProtocol, retryBudget';
const PORT_POLICY_FIELDS = 'loadBalancer, connectionPool, outlierDetection, tls';
const MAX_PORT_LEVEL_SETTINGS = 4096;

/** A `trafficPolicy` of the DR or of one of its subsets, at `path`. */
export function validateTrafficPolicy(ctx: Ctx, path: Path, tp: TrafficPolicy): void {
  const any = isSet(tp.loadBalancer) || isSet(tp.connectionPool) || isSet(tp.outlierDetection) || isSet(tp.tls) ||
    nonEmpty(tp.portLevelSettings) || isSet(tp.tunnel) || isSet(tp.proxyProtocol) || isSet(tp.retryBudget);
  if (!any) {
    ctx.error(path, `trafficPolicy must set at least one of ${POLICY_FIELDS}; remove it if there is nothing to set`);
    return;
  }
  if (isSet(tp.tunnel) && isSet(tp.proxyProtocol)) {
    ctx.error([...path, 'proxyProtocol'], 'tunnel and proxyProtocol cannot be set together; keep only one of them');
  }
  validatePortFields(ctx, path, tp);
  if (tp.portLevelSettings) validatePortLevelSettings(ctx, [...path, 'portLevelSettings'], tp.portLevelSettings);
  if (isSet(tp.tunnel)) validateTunnel(ctx, [...path, 'tunnel'], tp.tunnel);
  if (isSet(tp.retryBudget)) validateRetryBudget(ctx, [...path, 'retryBudget'], tp.retryBudget);
}

/** The four settings a port-level policy shares with the whole policy. */
function validatePortFields(ctx: Ctx, path: Path, p: PortTrafficPolicy | TrafficPolicy): void {
  if (isSet(p.outlierDetection)) validateOutlierDetection(ctx, [...path, 'outlierDetection'], p.outlierDetection);
  checkConnectionPool(ctx, [...path, 'connectionPool'], p.connectionPool);
  if (isSet(p.loadBalancer)) validateLoadBalancer(ctx, [...path, 'loadBalancer'], p.loadBalancer, p.outlierDetection);
  if (isSet(p.tls)) validateClientTls(ctx, [...path, 'tls'], p.tls);
}

function validatePortLevelSettings(ctx: Ctx, path: Path, list: readonly (PortTrafficPolicy | null)[]): void {
  if (list.length > MAX_PORT_LEVEL_SETTINGS) {
    ctx.error(path, `at most ${MAX_PORT_LEVEL_SETTINGS} portLevelSettings entries are allowed, got ${list.length}`);
  }
  list.forEach((p, i) => {
    const at = [...path, i];
    if (!isSet(p)) {
      ctx.error(at, 'a portLevelSettings entry may not be null; give a port and at least one setting');
      return;
    }
    if (!isSet(p.port)) {
      ctx.error([...at, 'port'], 'port is required: the service port these settings apply to, e.g. port: {number: 8080}');
    } else if (!isValidPort(p.port.number ?? 0)) {
      ctx.warn([...at, 'port', 'number'], `port number ${p.port.number ?? 0} matches no service port; use a port in the range 1..65535`);
    }
    if (!isSet(p.loadBalancer) && !isSet(p.connectionPool) && !isSet(p.outlierDetection) && !isSet(p.tls)) {
      ctx.error(at, `a portLevelSettings entry must set at least one of ${PORT_POLICY_FIELDS}`);
      return;
    }
    validatePortFields(ctx, at, p);
  });
}

function validateOutlierDetection(ctx: Ctx, path: Path, od: OutlierDetection): void {
  if (typeof od.consecutiveErrors === 'number' && od.consecutiveErrors !== 0) {
    ctx.warn([...path, 'consecutiveErrors'], 'consecutiveErrors is deprecated; use consecutiveGatewayErrors or consecutive5xxErrors instead');
  }
  if (od.splitExternalLocalOriginErrors !== true && (od.consecutiveLocalOriginFailures ?? 0) > 0) {
    ctx.error([...path, 'consecutiveLocalOriginFailures'],
      'consecutiveLocalOriginFailures only applies when splitExternalLocalOriginErrors is true; set splitExternalLocalOriginErrors: true or remove it');
  }
  for (const f of ['maxEjectionPercent', 'minHealthPercent'] as const) {
    const v = od[f];
    if (typeof v === 'number' && (v < 0 || v > 100)) ctx.error([...path, f], `${f} must be between 0 and 100, got ${v}`);
  }
}

/** Istio's ClientTLSSettings rules (rule 45). */
function validateClientTls(ctx: Ctx, path: Path, tls: ClientTLSSettings): void {
  const at = (f: string): Path => [...path, f];
  const cred = tls.credentialName ?? '';
  if (cred.startsWith('configmap://')) checkConfigMapCredential(ctx, at('credentialName'), cred);
  const mode = tls.mode ?? 'DISABLE';
  const has = (f: 'clientCertificate' | 'privateKey' | 'caCertificates' | 'caCrl' | 'credentialName'): boolean => (tls[f] ?? '') !== '';
  const hasSans = nonEmpty(tls.subjectAltNames);
  if (tls.insecureSkipVerify === true && (mode === 'SIMPLE' || mode === 'MUTUAL')) {
    const why = 'insecureSkipVerify is true (the server certificate is not verified); remove it or set insecureSkipVerify: false';
    if (has('caCertificates')) ctx.error(at('caCertificates'), `caCertificates cannot be set when ${why}`);
    if (hasSans) ctx.error(at('subjectAltNames'), `subjectAltNames cannot be set when ${why}`);
    if (mode === 'SIMPLE' && has('credentialName')) ctx.error(at('credentialName'), `credentialName cannot be set in SIMPLE mode when ${why}`);
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && has('credentialName')) {
    for (const f of ['clientCertificate', 'privateKey', 'caCertificates', 'caCrl'] as const) {
      if (has(f)) ctx.error(at(f), `${f} cannot be set together with credentialName, which supplies the certificates; keep only one of them`);
    }
    return;
  }
  if (mode === 'MUTUAL') {
    if (!has('clientCertificate')) ctx.error(at('clientCertificate'), 'MUTUAL mode needs clientCertificate (a file path), or set credentialName instead');
    if (!has('privateKey')) ctx.error(at('privateKey'), 'MUTUAL mode needs privateKey (a file path), or set credentialName instead');
  }
}

function checkConfigMapCredential(ctx: Ctx, path: Path, cred: string): void {
  const parts = cred.slice('configmap://'.length).split('/');
  const form = 'use configmap://NAMESPACE/NAME';
  if (parts.length < 2) ctx.error(path, `invalid configmap:// credentialName ${JSON.stringify(cred)}: expected a namespace and a name; ${form}`);
  else if (parts[0] === '') ctx.error(path, `invalid configmap:// credentialName ${JSON.stringify(cred)}: the namespace is empty; ${form}`);
  else if (parts[1] === '') ctx.error(path, `invalid configmap:// credentialName ${JSON.stringify(cred)}: the name is empty; ${form}`);
  else if (parts[0] !== ctx.namespace) {
    ctx.error(path, `a configmap:// credentialName must be in this DestinationRule's namespace ${JSON.stringify(ctx.namespace)}, got ${JSON.stringify(parts[0])}`);
  }
}

function validateTunnel(ctx: Ctx, path: Path, t: TunnelSettings): void {
  const protocol = t.protocol ?? '';
  if (protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST') {
    ctx.error([...path, 'protocol'], `unknown tunnel protocol ${JSON.stringify(protocol)}; valid values are: CONNECT, POST`);
  }
  const host = t.targetHost ?? '';
  if (host === '') {
    ctx.error([...path, 'targetHost'], 'targetHost is required: the FQDN or IP address of the tunnel endpoint');
  } else if (!isIPAddress(host)) {
    const e = fqdnError(host);
    if (e) ctx.error([...path, 'targetHost'], `tunnel targetHost must be an FQDN or an IP address: ${e}`);
  }
  if (!isSet(t.targetPort)) ctx.error([...path, 'targetPort'], 'targetPort is required: the port of the tunnel endpoint, 1..65535');
  else if (!isValidPort(t.targetPort)) ctx.error([...path, 'targetPort'], `tunnel targetPort must be in the range 1..65535, got ${t.targetPort}`);
}

function validateRetryBudget(ctx: Ctx, path: Path, rb: RetryBudget): void {
  if (typeof rb.percent === 'number' && (rb.percent < 0 || rb.percent > 100)) {
    ctx.error([...path, 'percent'], `percent must be between 0 and 100, got ${rb.percent}`);
  }
  if (isSet(rb.budgetInterval)) checkDurationSyntax(ctx, [...path, 'budgetInterval'], rb.budgetInterval);
}
