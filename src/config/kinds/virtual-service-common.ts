/**
 * Building blocks shared by the VirtualService rules (HTTP, TLS and TCP routes): oneofs,
 * StringMatch and RE2 checks, destinations and weights, header names, header operations and
 * `%VAR%` header values, gateway references, L4 match attributes, percentages and host-name
 * overlap (Istio's host.Name Matches/SubsetOf).
 *
 * Each helper reports to a Ctx at the most precise path it can; none throws. Pure functions.
 */
import type { Ctx, Path } from '../ctx.js';
import { checkRe2 } from '../../common/re2.js';
import { checkLabels, checkPort, fqdnError, isDns1123Label, isHeaderToken, isIPOrCIDR, wildcardDomainError } from '../rules.js';
import type { Destination, Headers, Percent, RouteDestination, StringMatch } from '../../api/istio/virtual-service.js';

export function isSet<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

/** Keys of `o` that are present and not null. */
function presentKeys(o: object, keys: readonly string[]): string[] {
  return keys.filter((k) => isSet((o as Record<string, unknown>)[k]));
}

/** A protobuf oneof: at most one of `keys` may be set. Returns the key that is set, if any. */
export function checkOneOf(ctx: Ctx, path: Path, o: object, keys: readonly string[], what: string): string | undefined {
  const set = presentKeys(o, keys);
  if (set.length > 1) {
    ctx.error(path, `${what} may set only one of ${keys.join(', ')}; got ${set.join(' and ')}`);
  }
  return set[0];
}

const RE2_HELP = 'Istio uses RE2 syntax (no lookaround, no backreferences): https://github.com/google/re2/wiki/Syntax';

/** A regex as Envoy's safe_regex takes it: non-empty, at most 1024 characters, valid RE2. */
export function checkRegex(ctx: Ctx, path: Path, re: string, where: string): void {
  if (re === '') {
    ctx.error(path, `${where}: regex must not be empty; give an RE2 pattern such as "/api/v[0-9]+/.*"`);
    return;
  }
  if (re.length > 1024) {
    ctx.error(path, `${where}: regex is too large (${re.length} characters); the maximum is 1024`);
    return;
  }
  const why = checkRe2(re);
  if (why) ctx.error(path, `${where}: invalid regex ${JSON.stringify(re)}: ${why}; ${RE2_HELP}`);
}

/**
 * A StringMatch: one of exact/prefix/regex. `allowEmptyPrefix` is for `uri` (Envoy allows an
 * empty path prefix, not an empty header prefix).
 */
export function checkStringMatch(ctx: Ctx, path: Path, sm: StringMatch | null | undefined, where: string, allowEmptyPrefix = false): void {
  if (!isSet(sm)) return;
  const kind = checkOneOf(ctx, path, sm, ['exact', 'prefix', 'regex'], where);
  if (kind === 'prefix' && sm.prefix === '' && !allowEmptyPrefix) {
    ctx.error([...path, 'prefix'], `${where}: prefix must not be empty; give a prefix, or use regex ".*" to match any value`);
  } else if (kind === 'regex') {
    checkRegex(ctx, [...path, 'regex'], sm.regex ?? '', where);
  }
}

/** Istio's jwt.ToRoutingClaim: `@request.auth.claims.a.b` or `@request.auth.claims[a][b]`. */
export function isJwtClaimHeader(name: string): boolean {
  const prefix = '@request.auth.claims';
  if (!name.toLowerCase().startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return (rest.startsWith('.') && rest.length > 1) || (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2);
}

const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);

/** A header name in a match: an HTTP token, an HTTP/2 pseudo-header or a JWT claim. */
export function checkMatchHeaderName(ctx: Ctx, path: Path, name: string): void {
  if (name === '') {
    ctx.error(path, 'header name must not be empty; use a header name such as "x-user"');
  } else if (!isJwtClaimHeader(name) && !PSEUDO_HEADERS.has(name) && !isHeaderToken(name)) {
    ctx.error(path, `header name ${JSON.stringify(name)} is not a valid header name; use letters, digits and !#$%&'*+-.^_\`|~, ` +
      `a pseudo-header (${[...PSEUDO_HEADERS].join(', ')}) or a JWT claim (@request.auth.claims.NAME)`);
  }
}

const HEADER_VALUE_CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/** Envoy's custom-header value syntax: `%%` escapes, `%VAR%` and `%VAR(args)%` must be closed. */
export function headerValueError(value: string): string | undefined {
  if (HEADER_VALUE_CONTROL.test(value)) return `header value ${JSON.stringify(value)} contains control characters; only printable characters and tabs are allowed`;
  const hint = 'write a literal % as %%, and variables as %NAME% or %NAME(args)%';
  type St = 'lit' | 'var' | 'arr' | 'str' | 'instr' | 'delim' | 'argsEnd' | 'varEnd';
  let st: St = 'lit';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const next = i + 1 < value.length;
    switch (st) {
      case 'lit':
        if (ch !== '%') break;
        if (!next) return `header value ${JSON.stringify(value)} ends with an unescaped %; ${hint}`;
        if (value[i + 1] === '%') i++;
        else st = 'var';
        break;
      case 'var':
        if (ch === '%') st = 'lit';
        else if (ch === '(') st = 'arr';
        break;
      case 'arr':
        if (ch === '[') st = 'str';
        else if (ch !== ' ') st = 'instr';
        break;
      case 'delim':
        if (ch === ',') st = 'str';
        else if (ch === ']') st = 'argsEnd';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)}: expected ',' or ']' in the argument list; ${hint}`;
        break;
      case 'str':
        if (ch === '"') st = 'instr';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)}: expected '"' to start an argument; ${hint}`;
        break;
      case 'instr':
        if (ch === '\\') {
          if (!next) return `header value ${JSON.stringify(value)}: unterminated backslash in an argument string; ${hint}`;
          i++;
        } else if (ch === ')') st = 'varEnd';
        else if (ch === '"') st = 'delim';
        break;
      case 'argsEnd':
        if (ch === ')') st = 'varEnd';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)}: expected ')' after the argument list; ${hint}`;
        break;
      case 'varEnd':
        if (ch === '%') st = 'lit';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)}: expected '%' to close the variable; ${hint}`;
        break;
    }
  }
  return st === 'lit' ? undefined : `header value ${JSON.stringify(value)} has an unterminated variable expression; ${hint}`;
}

function isAuthorityHeader(name: string): boolean {
  const l = name.toLowerCase();
  return l === ':authority' || l === 'host';
}

/** Header operations (request/response set, add, remove). Rule 24. */
export function checkHeaderOperations(ctx: Ctx, path: Path, headers: Headers | null | undefined): void {
  if (!isSet(headers)) return;
  for (const side of ['request', 'response'] as const) {
    const ops = headers[side];
    if (!isSet(ops)) continue;
    for (const op of ['set', 'add'] as const) {
      const m = ops[op];
      if (!isSet(m)) continue;
      for (const [name, value] of Object.entries(m)) {
        const p = [...path, side, op, name];
        if (side === 'request') checkRequestWriteName(ctx, p, name);
        else checkProtectedName(ctx, p, name);
        if (typeof value === 'string') {
          const e = headerValueError(value);
          if (e) ctx.error(p, e);
        }
      }
    }
    (ops.remove ?? []).forEach((name, i) => {
      if (typeof name === 'string') checkProtectedName(ctx, [...path, side, 'remove', i], name);
    });
  }
}

function checkRequestWriteName(ctx: Ctx, path: Path, name: string): void {
  if (name === '') ctx.error(path, 'header name must not be empty');
  else if (name.startsWith(':') && !isAuthorityHeader(name)) {
    ctx.error(path, `invalid header ${JSON.stringify(name)}: a header name cannot start with ":" (only ":authority" may be set, to rewrite the authority)`);
  }
}

function checkProtectedName(ctx: Ctx, path: Path, name: string): void {
  if (name === '') ctx.error(path, 'header name must not be empty');
  else if (name.toLowerCase() === 'host') ctx.error(path, `invalid header ${JSON.stringify(name)}: the Host header cannot be removed or set here; to rewrite it, set it in request.set or use rewrite.authority`);
  else if (name.startsWith(':')) ctx.error(path, `invalid header ${JSON.stringify(name)}: a header name cannot start with ":" here; use a regular header name`);
}

/** `gateways` entries (rule 16). Istio stops checking after the first entry without '/'; later bad entries are warnings here. */
export function checkGatewayNames(ctx: Ctx, path: Path, names: readonly string[] | null | undefined): void {
  let stopped = false;
  (names ?? []).forEach((g, i) => {
    if (typeof g !== 'string') return;
    const p = [...path, i];
    const problems: string[] = [];
    const slash = g.indexOf('/');
    if (slash < 0) {
      if (g.includes('.') && !stopped) {
        const parts = g.split('.');
        ctx.warn(p, `using legacy gateway name format ${JSON.stringify(g)}; prefer the <namespace>/<name> format: "${parts[1]}/${parts[0]}"`);
      }
      const e = fqdnError(g);
      if (e) problems.push(`invalid gateway ${JSON.stringify(g)}: ${e}; use "mesh" or "<namespace>/<name>"`);
    } else {
      const ns = g.slice(0, slash);
      const name = g.slice(slash + 1);
      if (ns === '' || name === '') problems.push(`invalid gateway ${JSON.stringify(g)}: namespace and gateway name cannot be empty; use "<namespace>/<name>"`);
      if (ns !== '' && !isDns1123Label(ns)) problems.push(`invalid namespace ${JSON.stringify(ns)} in gateway ${JSON.stringify(g)}: must be a DNS-1123 label (lowercase letters, digits, '-')`);
      if (name !== '' && !isDns1123Label(name)) problems.push(`invalid gateway name ${JSON.stringify(name)} in ${JSON.stringify(g)}: must be a DNS-1123 label (lowercase letters, digits, '-')`);
    }
    for (const m of problems) {
      if (stopped) ctx.warn(p, `${m} (Istio does not check entries after a name without "/", so this is only a warning)`);
      else ctx.error(p, m);
    }
    if (slash < 0) stopped = true;
  });
}

/** A Percent in [0, 100]; non-zero values must be at least 0.0001. */
export function checkPercentage(ctx: Ctx, path: Path, p: Percent | null | undefined): void {
  if (!isSet(p)) return;
  const v = p.value ?? 0;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
    ctx.error([...path, 'value'], `percentage ${v} must be 0 or in the range [0.0001, 100]`);
  }
}

/** A Destination (rule 20). */
export function checkDestination(ctx: Ctx, path: Path, d: Destination | null | undefined): void {
  if (!isSet(d)) return;
  const host = d.host ?? '';
  if (host === '*') {
    ctx.error([...path, 'host'], 'invalid destination host "*": name a service, e.g. "reviews" or "reviews.prod.svc.cluster.local"');
  } else {
    const e = wildcardDomainError(host);
    if (e) ctx.error([...path, 'host'], host === '' ? 'destination host is required, e.g. "reviews" or "reviews.prod.svc.cluster.local"' : e);
  }
  if (isSet(d.subset) && d.subset !== '' && !isDns1123Label(d.subset)) {
    ctx.error([...path, 'subset'], `invalid subset name ${JSON.stringify(d.subset)}: must be a DNS-1123 label (lowercase letters, digits, '-'; at most 63)`);
  }
  if (isSet(d.port)) checkPort(ctx, [...path, 'port', 'number'], d.port.number ?? 0);
}

/** Route destinations with weights (rule 19), for HTTP (with headers), TLS and TCP routes. */
export function checkRouteDestinations(
  ctx: Ctx, path: Path, routes: readonly ((RouteDestination & { headers?: Headers | null }) | null)[],
): void {
  let total = 0;
  routes.forEach((r, i) => {
    const p = [...path, i];
    if (!isSet(r)) {
      ctx.error(p, 'route destination may not be null; give at least {destination: {host: ...}}');
      return;
    }
    if (!isSet(r.destination)) ctx.error([...p, 'destination'], 'destination is required, e.g. destination: {host: reviews}');
    checkHeaderOperations(ctx, [...p, 'headers'], r.headers);
    checkDestination(ctx, [...p, 'destination'], r.destination);
    const w = r.weight ?? 0;
    if (w < 0) ctx.error([...p, 'weight'], `weight must be >= 0, got ${w}`);
    total += w;
  });
  if (routes.length > 1 && total === 0) {
    ctx.error(path, `total destination weight is 0 across ${routes.length} destinations; give at least one destination a positive weight`);
  }
}

/** Attributes common to HTTP, TLS and TCP matches: port, sourceLabels, gateways. */
export function checkCommonMatch(
  ctx: Ctx, path: Path, m: { port?: number | null; sourceLabels?: Record<string, string> | null; gateways?: string[] | null },
): void {
  if (isSet(m.port) && m.port !== 0) checkPort(ctx, [...path, 'port'], m.port);
  checkLabels(ctx, [...path, 'sourceLabels'], m.sourceLabels);
  checkGatewayNames(ctx, [...path, 'gateways'], m.gateways);
}

export function checkSubnets(ctx: Ctx, path: Path, subnets: readonly string[] | null | undefined): void {
  (subnets ?? []).forEach((s, i) => {
    if (typeof s === 'string' && !isIPOrCIDR(s)) {
      ctx.error([...path, i], `${JSON.stringify(s)} is not a valid IP address or CIDR block; use e.g. "10.0.0.1" or "10.0.0.0/16"`);
    }
  });
}

/** Istio's host.Name.Matches: the two (possibly wildcard) hosts overlap. */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio's host.Name.SubsetOf: every name matched by `a` is matched by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (aw) return false;
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * A VS host or SNI host. Gateway-bound VSs with SNI matches also accept Istio's auto-generated
 * `outbound_.<port>_._.<host>` names.
 */
export function vsHostError(host: string, gatewayBound: boolean, sni: boolean): string | undefined {
  if (gatewayBound && sni && host.split('.')[0] === 'outbound_' && host.length <= 255) {
    return /^outbound_\.[0-9]+_\._\.[a-zA-Z]/.test(host)
      ? undefined
      : `domain name ${JSON.stringify(host)} invalid: an auto-generated SNI host has the form "outbound_.<port>_._.<host>"`;
  }
  return wildcardDomainError(host);
}
