/**
 * Rules shared by Gateway servers and Sidecar listeners that the shared `rules.ts` does not
 * cover: `namespace/host` entries (ISTIO-RULES rules 2, 49, 76), unix domain socket addresses,
 * and the protocol families (HTTP-like, TLS) that decide which ports may carry TLS settings.
 * Pure predicates and `check*` helpers reporting to a Ctx; never throws.
 */
import { posix } from 'node:path';
import type { Ctx, Path } from '../ctx.js';
import { isDns1123Label, isIPAddress, isPartialWildcard, parseProtocol, wildcardDomainError } from '../rules.js';

export const UNIX_PREFIX = 'unix://';

/** An error text for the part after `unix://`, or undefined when it is an absolute path or `@abstract`. */
export function unixAddressError(addr: string): string | undefined {
  if (addr.length === 0) return 'unix address must not be empty; use unix:///absolute/path or unix://@abstract-name';
  if (addr.startsWith('@')) return undefined;
  if (!posix.isAbsolute(addr) || addr.endsWith('/')) {
    return `${JSON.stringify(addr)} is not an absolute path to a file; use unix:///absolute/path or unix://@abstract-name`;
  }
  return undefined;
}

/** HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web (case-insensitive). */
export function isHttpProtocol(p: unknown): boolean {
  const c = typeof p === 'string' ? parseProtocol(p) : undefined;
  return c === 'HTTP' || c === 'HTTP2' || c === 'HTTP_PROXY' || c === 'GRPC' || c === 'GRPC-Web';
}

/** HTTPS or TLS (case-insensitive). */
export function isTlsProtocol(p: unknown): boolean {
  const c = typeof p === 'string' ? parseProtocol(p) : undefined;
  return c === 'HTTPS' || c === 'TLS';
}

/**
 * The DNS part of a Gateway or Sidecar host: `*` or a name with a dot (no short names), a valid
 * wildcard domain (Gateways also take an IP), and no partial wildcard.
 */
function checkHostPart(ctx: Ctx, path: Path, host: string, isGateway: boolean, whole: string): void {
  const where = isGateway ? 'gateway' : 'sidecar egress';
  if (host !== '*' && !host.includes('.')) {
    ctx.error(path, `short name ${JSON.stringify(host)} is not allowed in ${where} host ${JSON.stringify(whole)}; use a fully qualified name such as "${host || 'reviews'}.default.svc.cluster.local", "*.example.com" or "*"`);
    return;
  }
  const err = wildcardDomainError(host);
  if (err && !(isGateway && isIPAddress(host))) ctx.error(path, err);
  if (isPartialWildcard(host)) {
    ctx.error(path, `partial wildcard ${JSON.stringify(host)} is not allowed; a wildcard must be the whole name ("*") or a "*." prefix ("*.example.com")`);
  }
}

/**
 * A Gateway server host (`host` or `ns/host`, ns `.`, `*` or a namespace; `~` only with Gateway
 * API semantics) or a Sidecar egress host (`ns/host` required; ns `*`, `.`, or a namespace,
 * optionally `~`-prefixed).
 */
export function checkNamespacedHost(ctx: Ctx, path: Path, hostname: unknown, isGateway: boolean, gatewaySemantics = false): void {
  if (typeof hostname !== 'string' || hostname === '') {
    ctx.error(path, isGateway
      ? 'empty host is not allowed; use "*", a name such as "example.com" or "*.example.com", optionally prefixed "namespace/"'
      : 'empty host is not allowed; use the form namespace/dnsName, e.g. "./*", "istio-system/*" or "*/example.com"');
    return;
  }
  const slash = hostname.indexOf('/');
  if (slash < 0) {
    if (isGateway) checkHostPart(ctx, path, hostname, true, hostname);
    else ctx.error(path, `host ${JSON.stringify(hostname)} must be of the form namespace/dnsName, e.g. "*/${hostname}" or "./${hostname}"`);
    return;
  }
  const ns = hostname.slice(0, slash);
  const dns = hostname.slice(slash + 1);
  if (ns === '' || dns === '') {
    ctx.error(path, `host ${JSON.stringify(hostname)}: the namespace and dnsName of a namespace/dnsName host cannot be empty; e.g. "*/example.com" or "./*"`);
    if (dns === '') return;
  }
  if (!isGateway) {
    const bare = ns.startsWith('~') ? ns.slice(1) : ns;
    if (bare !== '' && bare !== '*' && bare !== '.' && !isDns1123Label(bare)) {
      ctx.error(path, `invalid namespace ${JSON.stringify(ns)} in sidecar host ${JSON.stringify(hostname)}; use "*", ".", a namespace name, or "~" before a namespace to exclude it`);
    }
  } else if (ns !== '' && ns !== '*' && ns !== '.' && !(ns === '~' && gatewaySemantics) && !isDns1123Label(ns)) {
    ctx.error(path, `invalid namespace ${JSON.stringify(ns)} in gateway host ${JSON.stringify(hostname)}; use ".", "*" or a namespace name (a DNS-1123 label)`);
  }
  checkHostPart(ctx, path, dns, isGateway, hostname);
}
