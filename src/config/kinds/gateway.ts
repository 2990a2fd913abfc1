/**
 * Istio `Gateway` (networking.istio.io): the field schema and the webhook's rules, ISTIO-RULES
 * §3.4 rules 47–56 (server TLS rules live in server-tls.ts, host and unix-address rules in
 * listener-common.ts). Reports problems to a Ctx at the field they concern; never throws.
 */
import type { KindValidator } from './kind.js';
import type { Ctx, Path } from '../ctx.js';
import { arr, map, obj, str, uint32 } from '../schema.js';
import { isDns1123Label, isDns1123Subdomain, isIPAddress, isValidPort, parseProtocol, PROTOCOLS } from '../rules.js';
import type { Gateway, Server } from '../../api/istio/gateway.js';
import { checkServerTls, isPassthrough, serverTlsSchema } from './server-tls.js';
import { checkNamespacedHost, isHttpProtocol, isTlsProtocol, UNIX_PREFIX, unixAddressError } from './listener-common.js';

/** Annotation marking a Gateway converted from a Kubernetes Gateway API resource. */
const GATEWAY_SEMANTICS = 'internal.istio.io/gateway-semantics';

const portSchema = obj({ number: uint32(), protocol: str(), name: str(), targetPort: uint32() });

const serverSchema = obj({
  port: portSchema,
  bind: str(),
  hosts: arr(str()),
  tls: serverTlsSchema,
  defaultEndpoint: str(),
  name: str(),
});

const set = (s: unknown): s is string => typeof s === 'string' && s !== '';

/** Rule 50: port required, valid protocol, number 1–65535 (0 with a unix bind), a name, no targetPort. */
function checkServerPort(ctx: Ctx, path: Path, server: Server): boolean {
  const port = server.port;
  if (port == null) {
    ctx.error([...path, 'port'], 'port is required: give number, protocol and name, e.g. {number: 80, protocol: HTTP, name: http}');
    return false;
  }
  const before = ctx.errorCount;
  const pp = [...path, 'port'];
  if (!set(port.protocol)) {
    ctx.error([...pp, 'protocol'], `port protocol is required; valid protocols are ${PROTOCOLS.join(', ')}`);
  } else if (!parseProtocol(port.protocol)) {
    ctx.error([...pp, 'protocol'], `invalid protocol ${JSON.stringify(port.protocol)}; valid protocols are ${PROTOCOLS.join(', ')} (case-insensitive)`);
  }
  const n = port.number ?? 0;
  const unixBind = typeof server.bind === 'string' && server.bind.startsWith(UNIX_PREFIX);
  if (n > 0 || !unixBind) {
    if (port.number == null) ctx.error([...pp, 'number'], 'port number is required and must be in the range 1..65535');
    else if (!isValidPort(n)) ctx.error([...pp, 'number'], `port number ${n} must be in the range 1..65535`);
  }
  if ((port.targetPort ?? 0) > 0) {
    ctx.error([...pp, 'targetPort'], 'targetPort has no impact on Gateways; remove it (the gateway listens on port.number)');
  }
  if (!set(port.name)) {
    ctx.error([...pp, 'name'], 'port name must be set, e.g. "http" or "https-443"; names must be unique across servers');
  }
  return ctx.errorCount === before;
}

/** Rule 51: bind is an IP, or `unix://` plus an absolute path or @abstract, which needs port 0. */
function checkServerBind(ctx: Ctx, path: Path, server: Server): void {
  const bind = server.bind;
  if (!set(bind)) return;
  if (bind.startsWith(UNIX_PREFIX)) {
    const e = unixAddressError(bind.slice(UNIX_PREFIX.length));
    if (e) ctx.error([...path, 'bind'], e);
    const n = server.port?.number ?? 0;
    if (server.port != null && n !== 0) {
      ctx.error([...path, 'port', 'number'], `port number must be 0 for a unix domain socket bind (${bind}), got ${n}`);
    }
  } else if (!isIPAddress(bind)) {
    ctx.error([...path, 'bind'], `bind ${JSON.stringify(bind)} is not a valid IP address; use an IP such as "0.0.0.0" or "10.0.0.1", or unix:///absolute/path`);
  }
}

/** Rule 52: HTTPS/TLS ports must have `tls`; other ports must not (HTTP may carry a bare httpsRedirect). */
function checkTlsPresence(ctx: Ctx, path: Path, server: Server): void {
  const protocol = server.port?.protocol;
  const tls = server.tls;
  if (isTlsProtocol(protocol)) {
    if (tls == null) {
      ctx.error([...path, 'tls'], `server must have TLS settings for ${String(protocol).toUpperCase()} ports; add tls with mode SIMPLE, MUTUAL, PASSTHROUGH, AUTO_PASSTHROUGH, ISTIO_MUTUAL or OPTIONAL_MUTUAL`);
    }
    return;
  }
  if (tls == null) return;
  if (isHttpProtocol(protocol)) {
    if (!isPassthrough(tls) || set(tls.caCertificates) || set(tls.privateKey) || set(tls.serverCertificate)) {
      ctx.error([...path, 'tls'], `server cannot have TLS settings for plain text ${protocol} ports; only "tls: {httpsRedirect: true}" is allowed here (use protocol HTTPS to terminate TLS)`);
    }
  } else {
    ctx.error([...path, 'tls'], `server cannot have TLS settings for non-HTTPS/TLS ports (protocol ${protocol}); use protocol HTTPS or TLS, or remove tls`);
  }
}

function checkServer(ctx: Ctx, path: Path, server: Server, gatewaySemantics: boolean): void {
  // Rule 48: at least one host per server; rule 49: each host's form.
  if (!Array.isArray(server.hosts) || server.hosts.length === 0) {
    ctx.error([...path, 'hosts'], 'server must have at least one host, e.g. "*", "example.com", "*.example.com" or "ns/example.com"');
  } else {
    server.hosts.forEach((h, i) => checkNamespacedHost(ctx, [...path, 'hosts', i], h, true, gatewaySemantics));
  }
  const portOk = checkServerPort(ctx, path, server);
  checkServerBind(ctx, path, server);
  checkServerTls(ctx, [...path, 'tls'], server.tls);
  if (portOk) checkTlsPresence(ctx, path, server);
}

export const gateway: KindValidator<Gateway> = {
  kind: 'Gateway',
  schema: obj({ servers: arr(serverSchema), selector: map(str()) }),

  validateMeta(ctx, obj) {
    // Rule 47: the name is a DNS-1123 label (no dots). Other name errors are the envelope's.
    const name = obj.metadata.name;
    const semantics = obj.metadata.annotations?.[GATEWAY_SEMANTICS] === 'gateway';
    if (name && !semantics && isDns1123Subdomain(name) && !isDns1123Label(name)) {
      ctx.error(['metadata', 'name'], `invalid gateway name ${JSON.stringify(name)}: a Gateway name must be a DNS-1123 label (lowercase letters, digits and '-', no dots, at most 63 characters)`);
    }
  },

  validate(spec, ctx, obj) {
    const semantics = obj.metadata.annotations?.[GATEWAY_SEMANTICS] === 'gateway';
    const servers = spec.servers ?? [];
    if (servers.length === 0) {
      ctx.error(['spec', 'servers'], 'gateway must have at least one server, e.g. {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}');
      return;
    }
    const portNames = new Map<string, number>();
    servers.forEach((server, i) => {
      const path = ['spec', 'servers', i];
      if (server == null) {
        ctx.error(path, 'server may not be null; give port and hosts');
        return;
      }
      checkServer(ctx, path, server, semantics);
      const port = server.port;
      if (port == null) return;
      // Rule 50: port names unique across servers.
      if (set(port.name)) {
        const first = portNames.get(port.name);
        if (first !== undefined) {
          ctx.error([...path, 'port', 'name'], `port names in servers must be unique: ${JSON.stringify(port.name)} is already used by servers[${first}]; choose another name`);
        } else {
          portNames.set(port.name, i);
        }
      }
      // Rule 52: httpsRedirect only makes sense on HTTP servers.
      if (server.tls?.httpsRedirect === true && !isHttpProtocol(port.protocol)) {
        ctx.warn([...path, 'tls', 'httpsRedirect'], `tls.httpsRedirect should only be used with HTTP servers (this port's protocol is ${port.protocol ?? 'unset'}); it redirects plain-text HTTP requests to HTTPS`);
      }
    });
  },
};
