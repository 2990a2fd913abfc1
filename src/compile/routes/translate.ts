/**
 * One VirtualService's HTTP rules → Envoy routes for one listener port and proxy (Istio's
 * BuildHTTPRoutesForVirtualService / TranslateRoute): one route per HTTPMatchRequest in order (a
 * match-less rule is a catch-all and ends the list), dropping matches for another port or another
 * source/gateway; then the action (redirect, directResponse, or route with rewrite, authority,
 * mirrors, timeout, retries, destinations), header operations, fault and CORS per-filter config,
 * the route name, decorator and `istio.config` metadata naming the VirtualService. Pure.
 */
import type { Any } from '../../api/envoy/common.js';
import type { Route, RouteAction } from '../../api/envoy/route.js';
import { HttpFilterName } from '../../api/envoy/route.js';
import type { HTTPMatchRequest, HTTPRoute, HTTPRouteDestination } from '../../api/istio/virtual-service.js';
import { istioConfigPath, parseClusterName } from '../../api/names.js';
import { translateCors } from './cors.js';
import { applySingleDestination, applyWeightedDestinations, destinationCluster } from './destination.js';
import { isZeroDuration, toDuration, ZERO_DURATION } from '../duration.js';
import { integerToFractional, percentToFractional, translateFault } from './fault.js';
import { applyHeaderOps, translateHeaders } from './headers.js';
import { isCatchAllRoute, sourceMatches, translateRouteMatch } from './match.js';
import type { RouteOptions } from './options.js';
import { translateDirectResponse, translateRedirect } from './redirect.js';
import type { VirtualService } from './resolve.js';
import { convertRetryPolicy } from './retry.js';
import type { RuntimeFractionalPercent } from '../../api/envoy/common.js';

/** `filterMetadata.istio.config` naming the VirtualService behind a route. */
export function configMetadata(vs: VirtualService): Route['metadata'] {
  return { filterMetadata: { istio: { config: istioConfigPath('VirtualService', vs.namespace, vs.name) } } };
}

/** Istio's GetRouteOperation: `HOST:PORT/path` for one cluster, else `VSNAME:LISTENPORT/path`. */
export function routeOperation(r: Route, vsName: string, listenPort: number): string {
  const m = r.match;
  let path = '/*';
  if (m.prefix !== undefined) path = `${m.prefix}*`;
  else if (m.path !== undefined) path = m.path;
  else if (m.safeRegex) path = m.safeRegex.regex;
  const parsed = r.route?.cluster ? parseClusterName(r.route.cluster) : undefined;
  if (parsed && parsed.direction === 'outbound') return `${parsed.hostname}:${parsed.port}${path}`;
  return `${vsName}:${listenPort}${path}`;
}

/** Istio's setTimeout: the VirtualService timeout or 0s (disabled), mirrored for gRPC. */
export function applyTimeout(action: RouteAction, timeout: string | null | undefined, grpcProxyless: boolean): void {
  action.timeout = toDuration(timeout) ?? ZERO_DURATION;
  if (grpcProxyless) action.maxStreamDuration = { maxStreamDuration: action.timeout };
  else action.maxGrpcTimeout = isZeroDuration(action.timeout) ? ZERO_DURATION : action.timeout;
}

function mirrorFraction(percentage: { value?: number | null } | null | undefined, legacy: number | null | undefined): RuntimeFractionalPercent | undefined {
  if (percentage) return (percentage.value ?? 0) > 0 ? { defaultValue: percentToFractional(percentage) } : undefined;
  if (legacy != null) return legacy > 0 ? { defaultValue: integerToFractional(legacy) } : undefined;
  return { defaultValue: integerToFractional(100) };
}

function applyMirrors(action: RouteAction, http: HTTPRoute, opts: RouteOptions): void {
  const add = (dest: NonNullable<HTTPRoute['mirror']>, fraction: RuntimeFractionalPercent | undefined): void => {
    if (!fraction) return;
    const cluster = destinationCluster(dest, dest.host ? opts.lookupService(dest.host) : undefined, opts.listenPort);
    action.requestMirrorPolicies = [
      ...(action.requestMirrorPolicies ?? []),
      { cluster, runtimeFraction: fraction, traceSampled: false, disableShadowHostSuffixAppend: true },
    ];
  };
  if (http.mirror) add(http.mirror, mirrorFraction(http.mirrorPercentage, http.mirrorPercent ?? http.mirror_percent));
  for (const m of http.mirrors ?? []) {
    if (m?.destination) add(m.destination, mirrorFraction(m.percentage, undefined));
  }
}

function routeAction(out: Route, http: HTTPRoute, authorityIn: string, opts: RouteOptions): RouteAction {
  const action: RouteAction = {};
  applyTimeout(action, http.timeout, opts.proxy.generator === 'grpc');
  let authority = authorityIn;
  if (http.rewrite) {
    const rw = http.rewrite;
    if (rw.uriRegexRewrite) {
      action.regexRewrite = { pattern: { regex: rw.uriRegexRewrite.match ?? '' }, substitution: rw.uriRegexRewrite.rewrite ?? '' };
    } else if (rw.uri) {
      action.prefixRewrite = rw.uri;
    }
    if (rw.authority) authority = rw.authority;
  }
  if (authority !== '') action.hostRewriteLiteral = authority;
  applyMirrors(action, http, opts);
  const dests = (http.route ?? []).filter((d): d is HTTPRouteDestination => !!d);
  let consistentHash = false;
  if (dests.length === 1) consistentHash = applySingleDestination(out, action, dests[0]!, opts);
  else applyWeightedDestinations(action, dests, opts);
  const retry = convertRetryPolicy(http.retries, consistentHash);
  if (retry) action.retryPolicy = retry;
  return action;
}

/** Istio's TranslateRoute: undefined when the match does not apply to this port/proxy. */
export function translateRoute(
  vs: VirtualService,
  http: HTTPRoute,
  match: HTTPMatchRequest | undefined,
  opts: RouteOptions,
): Route | undefined {
  if (match?.port && match.port !== opts.listenPort) return undefined;
  if (!sourceMatches(match, opts.proxy, opts.gatewayNames)) return undefined;

  const out: Route = { match: translateRouteMatch(match), metadata: configMetadata(vs) };
  let name = http.name ?? '';
  if (match?.name) name = `${name}.${match.name}`;
  if (name !== '') out.name = name;
  if (match?.statPrefix) out.statPrefix = match.statPrefix;

  let authority = '';
  if (http.headers) {
    const ops = translateHeaders(http.headers);
    applyHeaderOps(out, ops);
    authority = ops.authority;
  }

  if (http.redirect) {
    const redirect = translateRedirect(http.redirect, opts.listenPort, opts.isTls);
    if (redirect) out.redirect = redirect;
  } else if (http.directResponse) {
    out.directResponse = translateDirectResponse(http.directResponse);
  } else {
    out.route = routeAction(out, http, authority, opts);
  }

  out.decorator = { operation: routeOperation(out, vs.name, opts.listenPort) };
  const perFilter: Record<string, Any> = {};
  const fault = translateFault(http.fault);
  if (fault) perFilter[HttpFilterName.Fault] = fault;
  const cors = translateCors(http.corsPolicy);
  if (cors) perFilter[HttpFilterName.Cors] = cors;
  if (Object.keys(perFilter).length) out.typedPerFilterConfig = perFilter;
  return out;
}

/**
 * All routes of a VirtualService for this port and proxy, in order; stops after the first
 * catch-all. Undefined when none apply (Istio then ignores the VirtualService on this port).
 */
export function buildVirtualServiceRoutes(vs: VirtualService, opts: RouteOptions): Route[] | undefined {
  const out: Route[] = [];
  for (const http of vs.spec.http ?? []) {
    if (!http) continue;
    const matches = (http.match ?? []).filter((m): m is HTTPMatchRequest => !!m);
    let catchAll = false;
    if (matches.length === 0) {
      const r = translateRoute(vs, http, undefined, opts);
      if (r) out.push(r);
      catchAll = true;
    } else {
      for (const m of matches) {
        const r = translateRoute(vs, http, m, opts);
        if (!r) continue;
        out.push(r);
        if (isCatchAllRoute(r)) {
          catchAll = true;
          break;
        }
      }
    }
    if (catchAll) break;
  }
  return out.length ? out : undefined;
}
