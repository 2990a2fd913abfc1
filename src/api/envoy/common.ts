/**
 * Envoy v3 API shapes shared by every resource type, in proto3 canonical JSON form: field names in
 * lowerCamelCase, `google.protobuf.Duration` as a string ("5s", "0.250s"), wrapper types
 * (UInt32Value, BoolValue, …) as plain values, enums by name, and `google.protobuf.Any` as an
 * object with an `@type` key. This is the one in-memory form of xDS resources in Trellis: the
 * compiler produces it, `trellis proxy-config -o json` prints it, and `api/xds` encodes it with
 * the real Envoy protos. Types only.
 */

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export const TypeUrl = {
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;
export type ResourceTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** A `google.protobuf.Any`: `@type` plus the fields of the packed message. */
export interface Any {
  '@type': string;
  [field: string]: unknown;
}

/** A proto3 JSON Duration, e.g. "5s", "0.100s". */
export type Duration = string;

export interface SocketAddress {
  address: string;
  portValue?: number;
  protocol?: 'TCP' | 'UDP';
  ipv4Compat?: boolean;
}

export interface Pipe { path: string; mode?: number }

export interface Address {
  socketAddress?: SocketAddress;
  pipe?: Pipe;
}

export interface Locality {
  region?: string;
  zone?: string;
  subZone?: string;
}

/** `envoy.config.core.v3.Metadata`: filter name → Struct (as plain JSON). */
export interface Metadata {
  filterMetadata?: Record<string, Record<string, unknown>>;
}

export interface DataSource {
  filename?: string;
  inlineBytes?: string;
  inlineString?: string;
}

export interface FractionalPercent {
  numerator?: number;
  denominator?: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION';
}

export interface RuntimeFractionalPercent {
  defaultValue: FractionalPercent;
  runtimeKey?: string;
}

export interface Percent { value: number }

export interface HeaderValue { key: string; value?: string }

export interface HeaderValueOption {
  header: HeaderValue;
  appendAction?: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
  keepEmptyValue?: boolean;
}

export interface RegexMatcher {
  googleRe2?: Record<string, never>;
  regex: string;
}

/** `envoy.type.matcher.v3.StringMatcher`: exactly one of exact/prefix/suffix/safeRegex/contains. */
export interface StringMatcher {
  exact?: string;
  prefix?: string;
  suffix?: string;
  safeRegex?: RegexMatcher;
  contains?: string;
  ignoreCase?: boolean;
}

export interface TransportSocket {
  name: string;
  typedConfig?: Any;
}
