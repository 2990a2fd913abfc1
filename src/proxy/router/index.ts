/**
 * The router's front door: compile a RouteConfiguration into a route table once, then per
 * request match it (virtual host, route, reasons) and apply the matched route (cluster choice,
 * rewrites, redirect, direct response, policies). Shared by the data plane and `trellis explain`.
 */
export { compileRouteTable, findRoute, matchRoute, type CompiledRoute, type RouteHit, type RouteMatchResult, type RouteMiss, type RouteTable } from './table.js';
export { applyRoute, pickWeighted, requireTls, ENVOY_DEFAULT_ROUTE_TIMEOUT, type RouteDecision, type WeightedChoice } from './action.js';
export { toRouterRequest, type HttpRequest, type RequestHeaders, type RouterRequest } from './request.js';
export { compileStringMatcher, type CompiledStringMatcher } from './string-match.js';
export { selectVirtualHost, compileDomains, hostForMatching, type DomainKind } from './domains.js';
