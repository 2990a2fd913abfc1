/**
 * Envoy v3 route messages (envoy.config.route.v3: RouteConfiguration, VirtualHost, Route and their
 * parts) and the per-route filter payloads Trellis emits (HTTPFault, CorsPolicy, retry
 * predicates), in proto3 canonical JSON form as `common.ts` describes. Only the fields Trellis
 * produces or reads are typed; names and nesting follow the protos in @grpc/grpc-js-xds's deps/
 * exactly so that these objects encode unchanged. Types and type-URL constants only.
 */
import type {
  Any,
  DataSource,
  Duration,
  FractionalPercent,
  HeaderValueOption,
  Metadata,
  RegexMatcher,
  RuntimeFractionalPercent,
  StringMatcher,
} from './common.js';

/** Type URLs of the messages packed into `typedPerFilterConfig` and retry extensions. */
export const RouteTypeUrl = {
  HTTPFault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  CorsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  PreviousHostsPredicate: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  PreviousPrioritiesConfig:
    'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
} as const;

/** HTTP filter names, the keys of `typedPerFilterConfig`. */
export const HttpFilterName = {
  Fault: 'envoy.filters.http.fault',
  Cors: 'envoy.filters.http.cors',
  Router: 'envoy.filters.http.router',
} as const;

export interface RouteConfiguration {
  name: string;
  virtualHosts?: VirtualHost[];
  validateClusters?: boolean;
  maxDirectResponseBodySizeBytes?: number;
  ignorePortInHostMatching?: boolean;
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  metadata?: Metadata;
}

export type TlsRequirementType = 'NONE' | 'EXTERNAL_ONLY' | 'ALL';

export interface VirtualHost {
  name: string;
  domains: string[];
  routes?: Route[];
  requireTls?: TlsRequirementType;
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  typedPerFilterConfig?: Record<string, Any>;
  includeRequestAttemptCount?: boolean;
  retryPolicy?: RetryPolicy;
  metadata?: Metadata;
}

/** Exactly one of `route`, `redirect`, `directResponse`. */
export interface Route {
  name?: string;
  match: RouteMatch;
  route?: RouteAction;
  redirect?: RedirectAction;
  directResponse?: DirectResponseAction;
  metadata?: Metadata;
  decorator?: Decorator;
  typedPerFilterConfig?: Record<string, Any>;
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  statPrefix?: string;
}

/** Exactly one path specifier: `prefix`, `path`, `safeRegex` or `pathSeparatedPrefix`. */
export interface RouteMatch {
  prefix?: string;
  path?: string;
  safeRegex?: RegexMatcher;
  pathSeparatedPrefix?: string;
  caseSensitive?: boolean;
  runtimeFraction?: RuntimeFractionalPercent;
  headers?: HeaderMatcher[];
  queryParameters?: QueryParameterMatcher[];
}

/** Trellis emits `stringMatch` or `presentMatch` (Istio's choice), never the deprecated forms. */
export interface HeaderMatcher {
  name: string;
  stringMatch?: StringMatcher;
  presentMatch?: boolean;
  invertMatch?: boolean;
  treatMissingHeaderAsEmpty?: boolean;
}

export interface QueryParameterMatcher {
  name: string;
  stringMatch?: StringMatcher;
  presentMatch?: boolean;
}

export interface RegexMatchAndSubstitute {
  pattern: RegexMatcher;
  substitution: string;
}

export type ClusterNotFoundResponseCode = 'SERVICE_UNAVAILABLE' | 'NOT_FOUND' | 'INTERNAL_SERVER_ERROR';

/** Exactly one cluster specifier: `cluster` or `weightedClusters`. */
export interface RouteAction {
  cluster?: string;
  weightedClusters?: WeightedCluster;
  clusterNotFoundResponseCode?: ClusterNotFoundResponseCode;
  prefixRewrite?: string;
  regexRewrite?: RegexMatchAndSubstitute;
  hostRewriteLiteral?: string;
  appendXForwardedHost?: boolean;
  timeout?: Duration;
  idleTimeout?: Duration;
  retryPolicy?: RetryPolicy;
  requestMirrorPolicies?: RequestMirrorPolicy[];
  hashPolicy?: HashPolicy[];
  maxGrpcTimeout?: Duration;
  maxStreamDuration?: MaxStreamDuration;
}

export interface MaxStreamDuration {
  maxStreamDuration?: Duration;
  grpcTimeoutHeaderMax?: Duration;
}

export interface WeightedCluster {
  clusters: ClusterWeight[];
  totalWeight?: number;
}

export interface ClusterWeight {
  name: string;
  weight?: number;
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  hostRewriteLiteral?: string;
  typedPerFilterConfig?: Record<string, Any>;
}

export interface RetryPolicy {
  retryOn?: string;
  numRetries?: number;
  perTryTimeout?: Duration;
  retryPriority?: RetryPriority;
  retryHostPredicate?: RetryHostPredicate[];
  /** int64: proto3 JSON writes it as a string. */
  hostSelectionRetryMaxAttempts?: string;
  retriableStatusCodes?: number[];
  retryBackOff?: RetryBackOff;
}

export interface RetryPriority {
  name: string;
  typedConfig?: Any;
}

export interface RetryHostPredicate {
  name: string;
  typedConfig?: Any;
}

export interface RetryBackOff {
  baseInterval: Duration;
  maxInterval?: Duration;
}

export interface RequestMirrorPolicy {
  cluster: string;
  runtimeFraction?: RuntimeFractionalPercent;
  traceSampled?: boolean;
  disableShadowHostSuffixAppend?: boolean;
}

/** Exactly one of `header`, `cookie`, `connectionProperties`, `queryParameter`. */
export interface HashPolicy {
  header?: { headerName: string; regexRewrite?: RegexMatchAndSubstitute };
  cookie?: { name: string; ttl?: Duration; path?: string; attributes?: { name: string; value?: string }[] };
  connectionProperties?: { sourceIp?: boolean };
  queryParameter?: { name: string };
  filterState?: { key: string };
  terminal?: boolean;
}

export type RedirectResponseCode =
  | 'MOVED_PERMANENTLY'
  | 'FOUND'
  | 'SEE_OTHER'
  | 'TEMPORARY_REDIRECT'
  | 'PERMANENT_REDIRECT';

export interface RedirectAction {
  httpsRedirect?: boolean;
  schemeRedirect?: string;
  hostRedirect?: string;
  portRedirect?: number;
  pathRedirect?: string;
  prefixRewrite?: string;
  regexRewrite?: RegexMatchAndSubstitute;
  /** Proto default MOVED_PERMANENTLY (301); omitted when default. */
  responseCode?: RedirectResponseCode;
  stripQuery?: boolean;
}

export interface DirectResponseAction {
  status: number;
  body?: DataSource;
}

export interface Decorator {
  operation: string;
  propagate?: boolean;
}

// ---- typedPerFilterConfig payloads -------------------------------------------------------------

/** envoy.extensions.filters.common.fault.v3.FaultDelay */
export interface FaultDelay {
  fixedDelay?: Duration;
  percentage?: FractionalPercent;
}

/** envoy.extensions.filters.http.fault.v3.FaultAbort: one of httpStatus / grpcStatus. */
export interface FaultAbort {
  httpStatus?: number;
  grpcStatus?: number;
  percentage?: FractionalPercent;
}

/** envoy.extensions.filters.http.fault.v3.HTTPFault, packed as an Any. */
export type HTTPFault = {
  '@type': typeof RouteTypeUrl.HTTPFault;
  delay?: FaultDelay;
  abort?: FaultAbort;
};

/** envoy.extensions.filters.http.cors.v3.CorsPolicy, packed as an Any. */
export type CorsPolicy = {
  '@type': typeof RouteTypeUrl.CorsPolicy;
  allowOriginStringMatch?: StringMatcher[];
  allowMethods?: string;
  allowHeaders?: string;
  exposeHeaders?: string;
  maxAge?: string;
  allowCredentials?: boolean;
  filterEnabled?: RuntimeFractionalPercent;
  forwardNotMatchingPreflights?: boolean;
};
