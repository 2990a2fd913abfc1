/**
 * Istio `Sidecar` (networking.istio.io): the field schema and the webhook's rules, ISTIO-RULES
 * §3.8 rules 72–77 (server TLS rules shared with Gateway live in server-tls.ts, connection pool
 * rules in sidecar-connection-pool.ts, `namespace/host` rules in listener-common.ts). Reports
 * problems to a Ctx at the field they concern; never throws.
 */
import type { KindValidator } from './kind.js';
import type { Ctx, Path } from '../ctx.js';
import { arr, enumOf, map, obj, str, uint32 } from '../schema.js';
import { checkPortName, checkProtocol, checkWorkloadSelector, fqdnError, isDns1123Label, isIPAddress, isValidPort, wildcardDomainError } from '../rules.js';
import type { IstioEgressListener, IstioIngressListener, OutboundTrafficPolicy, Sidecar, SidecarPort } from '../../api/istio/sidecar.js';
import { checkServerTls, serverTlsSchema } from './server-tls.js';
import { checkConnectionPool, connectionPoolSchema } from './connection-pool.js';
import { checkNamespacedHost, isHttpProtocol, isTlsProtocol, UNIX_PREFIX, unixAddressError } from './listener-common.js';

const portSchema = obj({ number: uint32(), protocol: str(), name: str(), targetPort: uint32() });
const captureMode = enumOf('DEFAULT', 'IPTABLES', 'NONE');

const schema = obj({
  workloadSelector: obj({ labels: map(str()) }),
  ingress: arr(obj({
    port: portSchema,
    bind: str(),
    captureMode,
    defaultEndpoint: str(),
    tls: serverTlsSchema,
    connectionPool: connectionPoolSchema,
  })),
  egress: arr(obj({ port: portSchema, bind: str(), captureMode, hosts: arr(str()) })),
  inboundConnectionPool: connectionPoolSchema,
  // `mode` is checked in validate(), to give ALLOW_ANY_DYNAMIC_DNS its own message.
  outboundTrafficPolicy: obj({
    mode: str(),
    egressProxy: obj({ host: str(), subset: str(), port: obj({ number: uint32() }) }),
  }),
});

const DEFAULT_ENDPOINT_FORMS = '127.0.0.1:PORT, 0.0.0.0:PORT, [::1]:PORT, [::]:PORT, :PORT or unix:///absolute/path';
const set = (s: unknown): s is string => typeof s === 'string' && s !== '';

function checkBindIP(ctx: Ctx, path: Path, bind: string | undefined, unixHint: boolean): void {
  if (set(bind) && !isIPAddress(bind)) {
    ctx.error(path, `bind ${JSON.stringify(bind)} is not a valid IP address; use an IP such as "0.0.0.0" or "127.0.0.1"${unixHint ? ' (unix:// binds need port number 0)' : ''}`);
  }
}

/** Name (optional, DNS-1123), protocol (may be empty), number 1–65535, no targetPort. */
function checkIpPort(ctx: Ctx, path: Path, port: SidecarPort, checkNumber: boolean): void {
  if ((port.targetPort ?? 0) > 0) ctx.error([...path, 'targetPort'], 'targetPort has no impact on Sidecars; remove it');
  checkPortName(ctx, [...path, 'name'], port.name, false);
  checkProtocol(ctx, [...path, 'protocol'], port.protocol, true);
  if (!checkNumber) return;
  if (port.number == null) ctx.error([...path, 'number'], 'port number is required and must be in the range 1..65535');
  else if (!isValidPort(port.number)) ctx.error([...path, 'number'], `port number ${port.number} must be in the range 1..65535`);
}

/** Go's net.SplitHostPort, enough for `host:port` and `[v6]:port`; returns an error text instead of throwing. */
function splitHostPort(s: string): { host: string; port: string } | string {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return 'missing "]" in address';
    if (end + 1 === s.length) return 'missing port in address';
    if (s[end + 1] !== ':') return 'unexpected text after "]"';
    return { host: s.slice(1, end), port: s.slice(end + 2) };
  }
  const i = s.lastIndexOf(':');
  if (i < 0) return 'missing port in address';
  const host = s.slice(0, i);
  if (host.includes(':')) return 'too many colons in address (write IPv6 hosts in brackets, e.g. [::1]:8080)';
  return { host, port: s.slice(i + 1) };
}

/** Rule 73: where inbound traffic is forwarded. */
function checkDefaultEndpoint(ctx: Ctx, path: Path, ep: string): void {
  if (ep.startsWith(UNIX_PREFIX)) {
    const e = unixAddressError(ep.slice(UNIX_PREFIX.length));
    if (e) ctx.error(path, e);
    return;
  }
  const hp = splitHostPort(ep);
  if (typeof hp === 'string') {
    ctx.error(path, `defaultEndpoint ${JSON.stringify(ep)} is not a valid address (${hp}); use ${DEFAULT_ENDPOINT_FORMS}`);
    return;
  }
  if (!['', '127.0.0.1', '0.0.0.0', '::1', '::'].includes(hp.host)) {
    ctx.error(path, `defaultEndpoint host ${JSON.stringify(hp.host)} is not allowed; defaultEndpoint must be of the form ${DEFAULT_ENDPOINT_FORMS}`);
  }
  if (!/^\d+$/.test(hp.port)) {
    ctx.error(path, `defaultEndpoint port ${JSON.stringify(hp.port)} is not a number; use ${DEFAULT_ENDPOINT_FORMS}`);
  } else if (!isValidPort(Number(hp.port))) {
    ctx.error(path, `defaultEndpoint port number ${Number(hp.port)} must be in the range 1..65535`);
  }
}

/** Rule 74: what a Sidecar ingress listener's TLS may not use, then the shared server TLS rules. */
function checkIngressTls(ctx: Ctx, path: Path, ing: IstioIngressListener): void {
  const tls = ing.tls;
  if (tls == null) return;
  if (Array.isArray(tls.subjectAltNames) && tls.subjectAltNames.length > 0) {
    ctx.error([...path, 'subjectAltNames'], 'subjectAltNames is not supported in Sidecar ingress tls; remove it (use verifyCertificateSpki or verifyCertificateHash to pin client certificates)');
  }
  if (tls.httpsRedirect === true) ctx.error([...path, 'httpsRedirect'], 'httpsRedirect is not supported in Sidecar ingress tls; remove it');
  if (set(tls.credentialName)) ctx.error([...path, 'credentialName'], 'credentialName is not currently supported in Sidecar ingress tls; use serverCertificate, privateKey and caCertificates file paths');
  if (Array.isArray(tls.credentialNames) && tls.credentialNames.length > 0) {
    ctx.error([...path, 'credentialNames'], 'credentialNames is not currently supported in Sidecar ingress tls; use serverCertificate, privateKey and caCertificates file paths');
  }
  if (Array.isArray(tls.tlsCertificates) && tls.tlsCertificates.length > 0) {
    ctx.error([...path, 'tlsCertificates'], 'tlsCertificates is not currently supported in Sidecar ingress tls; use serverCertificate and privateKey');
  }
  if (tls.mode === 'ISTIO_MUTUAL' || tls.mode === 'AUTO_PASSTHROUGH') {
    ctx.error([...path, 'mode'], `cannot set mode to ${tls.mode} in Sidecar ingress tls; use SIMPLE, MUTUAL, OPTIONAL_MUTUAL or PASSTHROUGH`);
  }
  if (!isTlsProtocol(ing.port?.protocol)) {
    ctx.error(path, `a listener cannot have TLS settings on a non-HTTPS/TLS port (protocol ${JSON.stringify(ing.port?.protocol ?? '')}); set port.protocol to HTTPS or TLS, or remove tls`);
  }
  checkServerTls(ctx, path, tls);
}

function checkIngress(ctx: Ctx, listeners: IstioIngressListener[]): void {
  const ports = new Map<number, number>();
  listeners.forEach((ing, i) => {
    const path = ['spec', 'ingress', i];
    if (ing == null) {
      ctx.error(path, 'ingress listener may not be null; give at least a port');
      return;
    }
    const port = ing.port;
    if (port == null) {
      ctx.error([...path, 'port'], 'port is required for ingress listeners, e.g. {number: 9080, protocol: HTTP, name: http}');
      return;
    }
    checkIpPort(ctx, [...path, 'port'], port, true);
    checkBindIP(ctx, [...path, 'bind'], ing.bind, false);
    const n = port.number ?? 0;
    const first = ports.get(n);
    if (first !== undefined) {
      ctx.error([...path, 'port', 'number'], `ports on IP bound listeners must be unique: port ${n} is already used by ingress[${first}]`);
    } else {
      ports.set(n, i);
    }
    if (set(ing.defaultEndpoint)) checkDefaultEndpoint(ctx, [...path, 'defaultEndpoint'], ing.defaultEndpoint);
    checkIngressTls(ctx, [...path, 'tls'], ing);
    checkConnectionPool(ctx, [...path, 'connectionPool'], ing.connectionPool);
    if (ing.connectionPool?.http != null && !isHttpProtocol(port.protocol)) {
      ctx.warn([...path, 'connectionPool', 'http'],
        `HTTP connection pool settings are configured for port ${n} (${JSON.stringify(port.name ?? '')}) but its protocol is not HTTP (${JSON.stringify(port.protocol ?? '')}); only TCP settings will apply (set port.protocol to HTTP, HTTP2 or GRPC to use them)`);
    }
  });
}

/** Rule 76: `ns/dnsName` hosts, duplicates (W) and the all-hosts entry "*\/*" beside other hosts (W). */
function checkEgressHosts(ctx: Ctx, path: Path, hosts: string[] | undefined): void {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    ctx.error(path, 'egress listener must contain at least one host, e.g. "./*", "istio-system/*" or "*/example.com"');
    return;
  }
  const byNs = new Map<string, Set<string>>();
  hosts.forEach((h, j) => {
    if (typeof h === 'string') {
      const slash = h.indexOf('/');
      if (slash >= 0 && !h.startsWith('~')) {
        const ns = h.slice(0, slash) === '.' ? ctx.namespace : h.slice(0, slash);
        const svc = h.slice(slash + 1);
        let svcs = byNs.get(ns);
        if (!svcs) byNs.set(ns, (svcs = new Set()));
        const dup = svc !== '*' ? svcs.has(svc) || svcs.has('*') : svcs.size > 0;
        if (dup) ctx.warn([...path, j], `duplicated egress host ${JSON.stringify(h)}: it is already covered by an earlier host in namespace ${JSON.stringify(ns)}; remove it`);
        svcs.add(svc);
      }
    }
    checkNamespacedHost(ctx, [...path, j], h, false);
  });
  if (byNs.get('*')?.has('*') && byNs.size !== 1) {
    ctx.warn(path, '"*/*" selects all hosts in all namespaces, so the other hosts add nothing; remove them or remove "*/*"');
  }
}

/** Rule 75: at most one catch-all (port-less) listener, last; port 0 means a unix socket; unique ports and sockets. */
function checkEgress(ctx: Ctx, listeners: IstioEgressListener[]): void {
  const ports = new Map<number, number>();
  const sockets = new Map<string, number>();
  let catchAll = false;
  listeners.forEach((eg, i) => {
    const path = ['spec', 'egress', i];
    if (eg == null) {
      ctx.error(path, 'egress listener may not be null; give at least hosts');
      return;
    }
    const port = eg.port;
    if (port == null) {
      if (catchAll) {
        ctx.error(path, 'egress can have only one listener with empty port (the catch-all); give this listener a port or merge its hosts into the catch-all');
        return;
      }
      if (i === listeners.length - 1) catchAll = true;
      else ctx.error(path, 'the egress listener with empty port (the catch-all) must be the last listener in the list; move it to the end');
    } else {
      const pp = [...path, 'port'];
      const bind = eg.bind ?? '';
      if ((port.number ?? 0) === 0) {
        checkIpPort(ctx, pp, port, false);
        if (!bind.startsWith(UNIX_PREFIX)) {
          ctx.error([...pp, 'number'], 'port number 0 (or unset) is only valid with a unix domain socket bind ("unix:///path" or "unix://@name"); give a port number in 1..65535');
        } else {
          const e = unixAddressError(bind.slice(UNIX_PREFIX.length));
          if (e) ctx.error([...path, 'bind'], e);
        }
        if (eg.captureMode != null && eg.captureMode !== 'DEFAULT' && eg.captureMode !== 'NONE') {
          ctx.error([...path, 'captureMode'], `captureMode must be DEFAULT or NONE for unix domain socket listeners, got ${eg.captureMode}`);
        }
        const first = sockets.get(bind);
        if (first !== undefined) ctx.error([...path, 'bind'], `unix domain socket values for listeners must be unique: ${JSON.stringify(bind)} is already used by egress[${first}]`);
        else sockets.set(bind, i);
      } else {
        checkIpPort(ctx, pp, port, true);
        checkBindIP(ctx, [...path, 'bind'], eg.bind, true);
        const n = port.number!;
        const first = ports.get(n);
        if (first !== undefined) ctx.error([...pp, 'number'], `ports on IP bound listeners must be unique: port ${n} is already used by egress[${first}]`);
        else ports.set(n, i);
      }
    }
    checkEgressHosts(ctx, [...path, 'hosts'], eg.hosts);
  });
}

/** Rule 77: mode REGISTRY_ONLY or ALLOW_ANY; egressProxy only with ALLOW_ANY, with an FQDN host and a port. */
function checkOutboundTrafficPolicy(ctx: Ctx, tp: OutboundTrafficPolicy | undefined): void {
  if (tp == null) return;
  const path = ['spec', 'outboundTrafficPolicy'];
  const mode: string = tp.mode ?? 'REGISTRY_ONLY';
  if (mode === 'ALLOW_ANY_DYNAMIC_DNS') {
    ctx.error([...path, 'mode'], 'ALLOW_ANY_DYNAMIC_DNS is only supported in MeshConfig, not in a Sidecar; use REGISTRY_ONLY or ALLOW_ANY');
    return;
  }
  if (mode !== 'REGISTRY_ONLY' && mode !== 'ALLOW_ANY') {
    ctx.error([...path, 'mode'], `unknown value ${JSON.stringify(mode)}; valid values are: REGISTRY_ONLY, ALLOW_ANY`);
    return;
  }
  const proxy = tp.egressProxy;
  if (proxy == null) return;
  const pp = [...path, 'egressProxy'];
  if (mode !== 'ALLOW_ANY') {
    ctx.error(pp, `egressProxy can be set only with outboundTrafficPolicy mode ALLOW_ANY (mode is ${mode}); set mode: ALLOW_ANY or remove egressProxy`);
    return;
  }
  const host = proxy.host ?? '';
  const hostErr = fqdnError(host) ?? (host === '*' ? 'egressProxy host cannot be "*"' : wildcardDomainError(host));
  if (hostErr) ctx.error([...pp, 'host'], `${hostErr}; egressProxy.host must be a fully qualified name such as "egress-proxy.infra.svc.cluster.local"`);
  if (proxy.port == null) {
    ctx.error([...pp, 'port'], 'egressProxy port must be set, e.g. port: {number: 3128}');
    return;
  }
  if (set(proxy.subset) && !isDns1123Label(proxy.subset)) {
    ctx.error([...pp, 'subset'], `invalid subset name ${JSON.stringify(proxy.subset)}: a subset name is a DNS-1123 label (lowercase letters, digits, '-')`);
  }
  const n = proxy.port.number;
  if (n == null || !isValidPort(n)) ctx.error([...pp, 'port', 'number'], `port number ${n ?? 0} must be in the range 1..65535`);
}

export const sidecar: KindValidator<Sidecar> = {
  kind: 'Sidecar',
  schema,
  validate(spec, ctx) {
    const ws = spec.workloadSelector;
    if (ws != null) {
      const labels = ws.labels;
      const hasLabels = labels != null && Object.keys(labels).length > 0;
      checkWorkloadSelector(ctx, hasLabels ? ['spec', 'workloadSelector', 'labels'] : ['spec', 'workloadSelector'], hasLabels ? labels : undefined, 'Sidecar');
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (typeof v === 'string' && v.length > 63) {
          ctx.error(['spec', 'workloadSelector', 'labels', k], `label value is ${v.length} characters long; selector label values are at most 63 characters`);
        }
      }
    }
    const ingress = spec.ingress ?? [];
    const egress = spec.egress ?? [];
    // Rule 72.
    if (ingress.length === 0 && egress.length === 0 && spec.outboundTrafficPolicy == null && spec.inboundConnectionPool == null) {
      ctx.error(['spec'], 'empty configuration provided: a Sidecar must set at least one of egress, ingress, outboundTrafficPolicy or inboundConnectionPool');
      return;
    }
    checkIngress(ctx, ingress);
    checkConnectionPool(ctx, ['spec', 'inboundConnectionPool'], spec.inboundConnectionPool);
    checkEgress(ctx, egress);
    checkOutboundTrafficPolicy(ctx, spec.outboundTrafficPolicy);
  },
};
