/**
 * Rules for one VirtualService HTTP route (ISTIO-RULES §3.2, rules 17–32): the action
 * (route/redirect/directResponse/delegate), matches, header operations and authority rewrite,
 * rewrite, redirect, direct response, fault injection, retries, CORS and mirroring.
 *
 * Called by virtual-service.ts with a spec that passed the schema, so field types are trusted;
 * unset fields may still be undefined or null. Reports to the Ctx, never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import { checkPort, isDns1123Label, isHeaderToken, RETRY_ON } from '../rules.js';
import { parseDuration } from '../duration.js';
import type {
  CorsPolicy, HTTPDirectResponse, HTTPFaultInjection, HTTPMatchRequest, HTTPMirrorPolicy, HTTPRedirect, HTTPRetry, HTTPRewrite, HTTPRoute,
} from '../../api/istio/virtual-service.js';
import {
  checkCommonMatch, checkDestination, checkHeaderOperations, checkMatchHeaderName, checkOneOf, checkPercentage, checkRegex,
  checkRouteDestinations, checkStringMatch, isSet,
} from './virtual-service-common.js';

/** Whether the route sits in a delegate VS (one without hosts). */
export interface HttpRouteContext {
  delegateVs: boolean;
}

export function checkHttpRoute(ctx: Ctx, path: Path, http: HTTPRoute, opts: HttpRouteContext): void {
  checkAction(ctx, path, http, opts);
  (http.match ?? []).forEach((m, j) => {
    if (isSet(m)) checkHttpMatch(ctx, [...path, 'match', j], m);
  });
  checkHeaderOperations(ctx, [...path, 'headers'], http.headers);
  checkCors(ctx, [...path, 'corsPolicy'], http.corsPolicy);
  checkFault(ctx, [...path, 'fault'], http.fault);
  checkMirrorPercent(ctx, path, http);
  checkDestination(ctx, [...path, 'mirror'], http.mirror);
  checkMirrors(ctx, [...path, 'mirrors'], http.mirrors);
  checkRedirect(ctx, [...path, 'redirect'], http.redirect, http.match);
  checkDirectResponse(ctx, [...path, 'directResponse'], http.directResponse);
  checkRetries(ctx, [...path, 'retries'], http.retries);
  checkRewrite(ctx, [...path, 'rewrite'], http.rewrite);
  checkAuthorityRewrite(ctx, path, http);
  if (isSet(http.route)) checkRouteDestinations(ctx, [...path, 'route'], http.route);
}

/** Rule 18 (and the delegate part of rule 12). */
function checkAction(ctx: Ctx, path: Path, http: HTTPRoute, opts: HttpRouteContext): void {
  const hasRoute = isSet(http.route) && http.route.length > 0;
  if (isSet(http.delegate) && !opts.delegateVs) {
    // A root route: delegate is its action, and it must not also route or redirect.
    if (isSet(http.redirect)) ctx.error([...path, 'redirect'], 'a root HTTP route with delegate must not set redirect; keep only delegate');
    if (isSet(http.route)) ctx.error([...path, 'route'], 'a root HTTP route with delegate must not set route; keep only delegate');
    return;
  }
  if (isSet(http.delegate)) {
    ctx.error([...path, 'delegate'], 'a delegate VirtualService (one without hosts) cannot delegate again; use route, redirect or directResponse');
  }
  if (isSet(http.redirect)) {
    if (hasRoute) ctx.error([...path, 'route'], 'an HTTP route cannot have both route and redirect; keep one of them');
    if (isSet(http.fault)) ctx.error([...path, 'fault'], 'an HTTP route cannot have both fault and redirect; remove fault');
    if (isSet(http.rewrite)) ctx.error([...path, 'rewrite'], 'an HTTP route cannot have both rewrite and redirect; remove rewrite');
    if (isSet(http.directResponse)) ctx.error([...path, 'directResponse'], 'an HTTP route cannot have both directResponse and redirect; keep one of them');
  } else if (isSet(http.directResponse)) {
    if (hasRoute) ctx.error([...path, 'route'], 'an HTTP route cannot have both route and directResponse; keep one of them');
    if (isSet(http.fault)) ctx.error([...path, 'fault'], 'an HTTP route cannot have both fault and directResponse; remove fault');
    if (isSet(http.rewrite)) ctx.error([...path, 'rewrite'], 'an HTTP route cannot have both rewrite and directResponse; remove rewrite');
  } else if (!hasRoute) {
    ctx.error(path, opts.delegateVs
      ? 'an HTTP route needs an action: route, redirect or directResponse'
      : 'an HTTP route needs an action: route, redirect, directResponse or delegate');
  }
  if (isSet(http.mirror) && isSet(http.mirrors) && http.mirrors.length > 0) {
    ctx.error([...path, 'mirrors'], 'an HTTP route cannot have both mirror and mirrors; move mirror into mirrors');
  }
}

/** Rules 21–23. */
function checkHttpMatch(ctx: Ctx, path: Path, m: HTTPMatchRequest): void {
  for (const [name, sm] of Object.entries(m.headers ?? {})) {
    const p = [...path, 'headers', name];
    if (!isSet(sm)) ctx.error(p, `header match ${JSON.stringify(name)} cannot be null; give {exact|prefix|regex: VALUE}, or {} to require presence`);
    checkMatchHeaderName(ctx, p, name);
    checkStringMatch(ctx, p, sm, `header ${name}`);
  }
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    const p = [...path, 'withoutHeaders', name];
    checkMatchHeaderName(ctx, p, name);
    // `regex: "*"` is not RE2: it means "header present".
    if (isSet(sm) && sm.regex !== '*') checkStringMatch(ctx, p, sm, `withoutHeaders ${name}`);
  }
  checkStringMatch(ctx, [...path, 'uri'], m.uri, 'uri', true);
  checkStringMatch(ctx, [...path, 'scheme'], m.scheme, 'scheme');
  checkStringMatch(ctx, [...path, 'method'], m.method, 'method');
  checkStringMatch(ctx, [...path, 'authority'], m.authority, 'authority');
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    checkStringMatch(ctx, [...path, 'queryParams', name], sm, `query parameter ${name}`);
  }
  checkCommonMatch(ctx, path, m);
  if (isSet(m.sourceNamespace) && m.sourceNamespace !== '' && !isDns1123Label(m.sourceNamespace)) {
    ctx.error([...path, 'sourceNamespace'], `invalid sourceNamespace ${JSON.stringify(m.sourceNamespace)}: must be a namespace name (a DNS-1123 label)`);
  }
}

/** Rule 25: the authority is rewritten in at most one place. */
function checkAuthorityRewrite(ctx: Ctx, path: Path, http: HTTPRoute): void {
  let current = http.rewrite?.authority ?? '';
  let where = 'rewrite.authority';
  const req = http.headers?.request;
  for (const op of ['set', 'add'] as const) {
    for (const [k, v] of Object.entries(req?.[op] ?? {})) {
      const l = k.toLowerCase();
      if (l !== ':authority' && l !== 'host') continue;
      if (current !== '') {
        ctx.error([...path, 'headers', 'request', op, k],
          `the authority is already rewritten to ${JSON.stringify(current)} by ${where}; it cannot also be set to ${JSON.stringify(v)} here; keep one of them`);
        return;
      }
      current = typeof v === 'string' ? v : '';
      where = `headers.request.${op}[${JSON.stringify(k)}]`;
    }
  }
}

/** Rule 26. */
function checkRewrite(ctx: Ctx, path: Path, r: HTTPRewrite | null | undefined): void {
  if (!isSet(r)) return;
  const uri = r.uri ?? '';
  const rx = r.uriRegexRewrite;
  if (uri !== '' && isSet(rx)) {
    ctx.error(path, 'rewrite may set only one of uri and uriRegexRewrite; remove one');
    return;
  }
  if (uri === '' && !isSet(rx) && (r.authority ?? '') === '') {
    ctx.error(path, 'rewrite must set at least one of uri, uriRegexRewrite or authority');
    return;
  }
  if (isSet(rx)) {
    if ((rx.match ?? '') === '' || (rx.rewrite ?? '') === '') {
      ctx.error([...path, 'uriRegexRewrite'], 'uriRegexRewrite needs both match (an RE2 pattern) and rewrite (the substitution, e.g. "/v2/\\1")');
    } else {
      checkRegex(ctx, [...path, 'uriRegexRewrite', 'match'], rx.match!, 'uriRegexRewrite.match');
    }
  }
}

/** Rule 27. */
function checkRedirect(ctx: Ctx, path: Path, r: HTTPRedirect | null | undefined, matches: HTTPRoute['match']): void {
  if (!isSet(r)) return;
  checkOneOf(ctx, path, r, ['port', 'derivePort'], 'redirect');
  const uri = r.uri ?? '';
  const prefixRewrite = r.prefixRewrite ?? '';
  if (uri === '' && prefixRewrite === '' && (r.authority ?? '') === '' && !isSet(r.port) && !isSet(r.derivePort) && (r.scheme ?? '') === '') {
    ctx.error(path, 'redirect must set at least one of uri, prefixRewrite, authority, scheme, port or derivePort');
  }
  if (uri !== '' && prefixRewrite !== '') {
    ctx.error([...path, 'prefixRewrite'], 'redirect may set only one of uri and prefixRewrite; remove one');
  }
  if (prefixRewrite !== '') {
    (matches ?? []).forEach((m, j) => {
      const u = m?.uri;
      if (isSet(u) && !isSet(u.prefix) && (isSet(u.exact) || isSet(u.regex))) {
        ctx.error([...path, 'prefixRewrite'], `redirect.prefixRewrite needs prefix uri matches, but match[${j}].uri is not a prefix match; use uri: {prefix: ...} or redirect.uri`);
      }
    });
  }
  const code = r.redirectCode ?? 0;
  if (code !== 0 && (code < 300 || code > 399)) {
    ctx.error([...path, 'redirectCode'], `${code} is not a valid redirect code; use a 3xx code such as 301, 302, 307 or 308`);
  }
  if ((r.scheme ?? '') !== '' && r.scheme !== 'http' && r.scheme !== 'https') {
    ctx.error([...path, 'scheme'], `invalid redirect scheme ${JSON.stringify(r.scheme)}; use "http" or "https"`);
  }
  if (isSet(r.port) && r.port > 0) checkPort(ctx, [...path, 'port'], r.port);
}

const KB = 1024;
const MB = 1024 * KB;

/** Rule 28. */
function checkDirectResponse(ctx: Ctx, path: Path, d: HTTPDirectResponse | null | undefined): void {
  if (!isSet(d)) return;
  const body = d.body;
  if (isSet(body)) {
    const kind = checkOneOf(ctx, [...path, 'body'], body, ['string', 'bytes'], 'directResponse.body');
    let size = 0;
    if (kind === 'string') size = Buffer.byteLength(body.string!, 'utf8');
    else if (kind === 'bytes') {
      const b = body.bytes!.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b) || b.length % 4 === 1) {
        ctx.error([...path, 'body', 'bytes'], 'body.bytes must be base64-encoded; use body.string for text');
      }
      size = Math.floor((b.length * 3) / 4);
    }
    if (size > MB) ctx.error([...path, 'body'], `the direct response body is ${size} bytes; it must be less than 1MB (large bodies slow the control plane)`);
    else if (size > 100 * KB) ctx.warn([...path, 'body'], `the direct response body is ${size} bytes; large direct responses may impact control plane performance (keep it under 100kB)`);
  }
  const status = d.status ?? 0;
  if (status < 200 || status > 600) {
    ctx.error([...path, 'status'], isSet(d.status) ? `HTTP status ${status} is not in the range 200-599` : 'status is required: an HTTP status code in the range 200-599');
  }
}

const GRPC_STATUS = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS',
  'UNAUTHENTICATED',
]);

/** Rule 29. */
function checkFault(ctx: Ctx, path: Path, f: HTTPFaultInjection | null | undefined): void {
  if (!isSet(f)) return;
  if (!isSet(f.abort) && !isSet(f.delay)) {
    ctx.error(path, 'fault injection must have an abort and/or a delay');
  }
  const a = f.abort;
  if (isSet(a)) {
    const ap = [...path, 'abort'];
    checkPercentage(ctx, [...ap, 'percentage'], a.percentage);
    const kind = checkOneOf(ctx, ap, a, ['httpStatus', 'grpcStatus', 'http2Error'], 'abort');
    if (kind === 'httpStatus') {
      const s = a.httpStatus!;
      if (s < 200 || s > 600) ctx.error([...ap, 'httpStatus'], `HTTP status ${s} is not in the range 200-599`);
    } else if (kind === 'grpcStatus') {
      if (!GRPC_STATUS.has(a.grpcStatus!)) {
        ctx.error([...ap, 'grpcStatus'], `gRPC status ${JSON.stringify(a.grpcStatus)} is not supported; valid values are: ${[...GRPC_STATUS].join(', ')}`);
      }
    } else if (kind === 'http2Error') {
      ctx.error([...ap, 'http2Error'], 'HTTP/2 abort fault injection is not supported; use httpStatus or grpcStatus');
    } else {
      ctx.warn(ap, 'abort is configured without an error type; set httpStatus (e.g. 503) or grpcStatus (e.g. "UNAVAILABLE")');
    }
  }
  const d = f.delay;
  if (isSet(d)) {
    const dp = [...path, 'delay'];
    checkPercentage(ctx, [...dp, 'percentage'], d.percentage);
    const kind = checkOneOf(ctx, dp, d, ['fixedDelay', 'exponentialDelay'], 'delay');
    if (kind === 'exponentialDelay') {
      ctx.error([...dp, 'exponentialDelay'], 'exponentialDelay is not supported; use fixedDelay');
    }
  }
}

/** Go's http.StatusText is non-empty for these codes; retryOn accepts them as retriable status codes. */
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426,
  428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Rule 30. */
function checkRetries(ctx: Ctx, path: Path, r: HTTPRetry | null | undefined): void {
  if (!isSet(r)) return;
  const attempts = r.attempts ?? 0;
  if (attempts < 0) ctx.error([...path, 'attempts'], `attempts must be >= 0, got ${attempts}`);
  if (attempts === 0) {
    const extra = (['perTryTimeout', 'retryOn', 'retryRemoteLocalities'] as const)
      .filter((k) => isSet(r[k]) && !(k === 'retryOn' && r.retryOn === ''));
    if (extra.length > 0) {
      ctx.error([...path, extra[0]!], `retries are disabled (attempts is ${isSet(r.attempts) ? '0' : 'unset, i.e. 0'}) but ${extra.join(', ')} ${extra.length > 1 ? 'are' : 'is'} set; set attempts > 0 or remove ${extra.join(', ')}`);
    }
  }
  if (isSet(r.retryOn) && r.retryOn !== '') {
    for (const policy of r.retryOn.split(',')) {
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : 0;
      if (!KNOWN_STATUS.has(code) && !RETRY_ON.has(policy)) {
        ctx.error([...path, 'retryOn'], `${JSON.stringify(policy)} is not a valid retryOn policy; use a comma-separated list (no spaces) of HTTP status codes and ${[...RETRY_ON].join(', ')}`);
      }
    }
  }
}

const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*']);

/** Rule 31. */
function checkCors(ctx: Ctx, path: Path, c: CorsPolicy | null | undefined): void {
  if (!isSet(c)) return;
  (c.allowOrigins ?? []).forEach((o, i) => {
    const p = [...path, 'allowOrigins', i];
    const value = isSet(o) ? (o.exact ?? o.prefix ?? o.regex ?? '') : '';
    if (value === '') {
      ctx.error(p, 'an allowOrigins entry needs a non-empty exact, prefix or regex, e.g. {exact: "https://example.com"}');
      return;
    }
    checkStringMatch(ctx, p, o, 'corsPolicy.allowOrigins');
  });
  (c.allowMethods ?? []).forEach((m, i) => {
    if (typeof m === 'string' && !CORS_METHODS.has(m)) {
      ctx.error([...path, 'allowMethods', i], `${JSON.stringify(m)} is not a supported HTTP method; valid values are: ${[...CORS_METHODS].join(', ')} (uppercase)`);
    }
  });
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    (c[field] ?? []).forEach((h, i) => {
      if (typeof h !== 'string') return;
      if (h === '') ctx.error([...path, field, i], 'header name must not be empty; use a header name or "*"');
      else if (h !== '*' && !isHeaderToken(h)) {
        ctx.error([...path, field, i], `${JSON.stringify(h)} is not a valid header name; use letters, digits and !#$%&'*+-.^_\`|~, or "*"`);
      }
    });
  }
  if (isSet(c.maxAge)) {
    const ms = parseDuration(c.maxAge);
    if (ms !== undefined && ms % 1000 !== 0) {
      ctx.error([...path, 'maxAge'], `maxAge ${JSON.stringify(c.maxAge)} is accurate only to whole seconds; use e.g. "24h" or "300s"`);
    }
  }
}

/** Rule 32. */
function checkMirrorPercent(ctx: Ctx, path: Path, http: HTTPRoute): void {
  if (isSet(http.mirrorPercent) && isSet(http.mirror_percent)) {
    ctx.error([...path, 'mirror_percent'], 'mirrorPercent and mirror_percent are the same field; set only one (better: use mirrorPercentage)');
  }
  const field = isSet(http.mirrorPercent) ? 'mirrorPercent' : isSet(http.mirror_percent) ? 'mirror_percent' : undefined;
  if (field) {
    const v = http[field]!;
    if (v > 100) ctx.error([...path, field], `${field} must be at most 100, got ${v}`);
    ctx.warn([...path, field], `${field} is deprecated; use mirrorPercentage: {value: ${Math.min(v, 100)}}`);
  }
  if (isSet(http.mirrorPercentage)) {
    const v = http.mirrorPercentage.value ?? 0;
    if (v > 100 || v < 0) ctx.error([...path, 'mirrorPercentage', 'value'], `mirrorPercentage must be in the range 0-100, got ${v}`);
  }
}

function checkMirrors(ctx: Ctx, path: Path, mirrors: (HTTPMirrorPolicy | null)[] | null | undefined): void {
  (mirrors ?? []).forEach((m, i) => {
    const p = [...path, i];
    if (!isSet(m)) {
      ctx.error(p, 'a mirrors entry cannot be null; give {destination: {host: ...}}');
      return;
    }
    if (!isSet(m.destination)) {
      ctx.error([...p, 'destination'], 'destination is required for mirrors, e.g. destination: {host: reviews-shadow}');
      return;
    }
    checkDestination(ctx, [...p, 'destination'], m.destination);
    if (isSet(m.percentage)) {
      const v = m.percentage.value ?? 0;
      if (v > 100 || v < 0) ctx.error([...p, 'percentage', 'value'], `mirror percentage must be in the range 0-100, got ${v}`);
    }
  });
}
