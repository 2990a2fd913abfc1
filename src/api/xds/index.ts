/**
 * The xDS proto layer: the real Envoy v3 protos (loaded once, lazily) and the codec between
 * Trellis's in-memory proto3-JSON resources and protobuf bytes. The ADS server encodes with it;
 * tests check compiled output with `checkRoundTrip`. This barrel loads protobufjs: the proxy
 * imports the light wire-* modules directly instead (wire-decode, wire-discovery, wire-struct).
 */
export { PROTO_FILES, protoIncludeDirs, protoRoot, protoLoadMillis, lookupMessage, messageForTypeUrl } from './protos.js';
export {
  XdsCodecError,
  checkRoundTrip,
  decodeMessage,
  decodeResource,
  encodeMessage,
  encodeResource,
  inferResourceTypeUrl,
  packResource,
  resolveMessage,
  resourceTypeUrl,
  typeUrlOf,
  type Json,
  type JsonObject,
  type RoundTripOptions,
} from './codec.js';
export { DiscoveryTypeUrl, adsServiceDefinition, type AdsServiceDefinition } from './service.js';
export type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
  DiscoveryRequest,
  DiscoveryResponse,
  Node,
  Status,
} from './discovery.js';
