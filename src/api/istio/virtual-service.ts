/**
 * TypeScript shape of an Istio `VirtualService` spec (networking.istio.io v1/v1beta1/v1alpha3),
 * field for field as the CRD writes it (camelCase, as protobuf JSON). Every field is optional,
 * as in proto3; `null` in YAML means unset. Types only: validation lives in
 * config/kinds/virtual-service*.ts, and nothing here may import from config/.
 */

/** One of `exact`, `prefix` or `regex` (RE2, full match). */
export interface StringMatch {
  exact?: string | null;
  prefix?: string | null;
  regex?: string | null;
}

/** A fractional percentage in [0, 100]. */
export interface Percent {
  value?: number | null;
}

export interface PortSelector {
  number?: number | null;
}

export interface Destination {
  host?: string | null;
  subset?: string | null;
  port?: PortSelector | null;
}

export interface HeaderOperations {
  set?: Record<string, string> | null;
  add?: Record<string, string> | null;
  remove?: string[] | null;
}

export interface Headers {
  request?: HeaderOperations | null;
  response?: HeaderOperations | null;
}

export interface HTTPMatchRequest {
  name?: string | null;
  uri?: StringMatch | null;
  scheme?: StringMatch | null;
  method?: StringMatch | null;
  authority?: StringMatch | null;
  headers?: Record<string, StringMatch | null> | null;
  port?: number | null;
  sourceLabels?: Record<string, string> | null;
  gateways?: string[] | null;
  queryParams?: Record<string, StringMatch | null> | null;
  ignoreUriCase?: boolean | null;
  withoutHeaders?: Record<string, StringMatch | null> | null;
  sourceNamespace?: string | null;
  statPrefix?: string | null;
}

export interface HTTPRouteDestination {
  destination?: Destination | null;
  weight?: number | null;
  headers?: Headers | null;
}

export type RedirectPortSelection = 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';

export interface HTTPRedirect {
  uri?: string | null;
  authority?: string | null;
  port?: number | null;
  derivePort?: RedirectPortSelection | null;
  scheme?: string | null;
  redirectCode?: number | null;
  prefixRewrite?: string | null;
}

export interface HTTPBody {
  string?: string | null;
  /** Base64-encoded bytes. */
  bytes?: string | null;
}

export interface HTTPDirectResponse {
  status?: number | null;
  body?: HTTPBody | null;
}

export interface Delegate {
  name?: string | null;
  namespace?: string | null;
}

export interface RegexRewrite {
  match?: string | null;
  rewrite?: string | null;
}

export interface HTTPRewrite {
  uri?: string | null;
  authority?: string | null;
  uriRegexRewrite?: RegexRewrite | null;
}

export interface HTTPRetry {
  attempts?: number | null;
  perTryTimeout?: string | null;
  retryOn?: string | null;
  retryRemoteLocalities?: boolean | null;
  retryIgnorePreviousHosts?: boolean | null;
  backoff?: string | null;
}

export interface FaultDelay {
  fixedDelay?: string | null;
  /** Rejected by Istio ("not supported yet"); kept for completeness. */
  exponentialDelay?: string | null;
  /** Deprecated integer percentage; use `percentage`. */
  percent?: number | null;
  percentage?: Percent | null;
}

export interface FaultAbort {
  httpStatus?: number | null;
  grpcStatus?: string | null;
  /** Rejected by Istio ("not supported yet"). */
  http2Error?: string | null;
  percentage?: Percent | null;
}

export interface HTTPFaultInjection {
  delay?: FaultDelay | null;
  abort?: FaultAbort | null;
}

export interface HTTPMirrorPolicy {
  destination?: Destination | null;
  percentage?: Percent | null;
}

export type UnmatchedPreflights = 'UNSPECIFIED' | 'FORWARD' | 'IGNORE';

export interface CorsPolicy {
  /** Deprecated: use `allowOrigins`. */
  allowOrigin?: string[] | null;
  allowOrigins?: (StringMatch | null)[] | null;
  allowMethods?: string[] | null;
  allowHeaders?: string[] | null;
  exposeHeaders?: string[] | null;
  maxAge?: string | null;
  allowCredentials?: boolean | null;
  unmatchedPreflights?: UnmatchedPreflights | null;
}

export interface HTTPRoute {
  name?: string | null;
  match?: (HTTPMatchRequest | null)[] | null;
  route?: (HTTPRouteDestination | null)[] | null;
  redirect?: HTTPRedirect | null;
  directResponse?: HTTPDirectResponse | null;
  delegate?: Delegate | null;
  rewrite?: HTTPRewrite | null;
  timeout?: string | null;
  retries?: HTTPRetry | null;
  fault?: HTTPFaultInjection | null;
  mirror?: Destination | null;
  mirrors?: (HTTPMirrorPolicy | null)[] | null;
  /** Deprecated: use `mirrorPercentage`. */
  mirrorPercent?: number | null;
  /** The same deprecated field under its protobuf name. */
  mirror_percent?: number | null;
  mirrorPercentage?: Percent | null;
  corsPolicy?: CorsPolicy | null;
  headers?: Headers | null;
}

export interface RouteDestination {
  destination?: Destination | null;
  weight?: number | null;
}

export interface TLSMatchAttributes {
  sniHosts?: string[] | null;
  destinationSubnets?: string[] | null;
  port?: number | null;
  sourceLabels?: Record<string, string> | null;
  gateways?: string[] | null;
  sourceNamespace?: string | null;
}

export interface TLSRoute {
  match?: (TLSMatchAttributes | null)[] | null;
  route?: (RouteDestination | null)[] | null;
}

export interface L4MatchAttributes {
  destinationSubnets?: string[] | null;
  port?: number | null;
  sourceLabels?: Record<string, string> | null;
  gateways?: string[] | null;
  sourceNamespace?: string | null;
  sourceSubnet?: string | null;
}

export interface TCPRoute {
  match?: (L4MatchAttributes | null)[] | null;
  route?: (RouteDestination | null)[] | null;
}

export interface VirtualServiceSpec {
  hosts?: string[] | null;
  gateways?: string[] | null;
  http?: (HTTPRoute | null)[] | null;
  tls?: (TLSRoute | null)[] | null;
  tcp?: (TCPRoute | null)[] | null;
  exportTo?: string[] | null;
}
