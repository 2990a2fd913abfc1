/**
 * The real Envoy v3 protos, loaded once into a protobufjs Root (lazily, on first use, cached).
 *
 * The .proto files come from `@grpc/grpc-js-xds`'s `deps/` folder (envoy-api, xds, googleapis,
 * protoc-gen-validate), found through Node's resolver, so Trellis encodes exactly what a real
 * Envoy or a proxyless gRPC client decodes. Only the files Trellis needs are loaded: the four
 * resource types, the discovery service, and every extension the compiler may pack in an `Any`
 * (plus those grpc-js-xds accepts). Imports that only carry option annotations (validate rules,
 * udpa/xds/envoy annotations, descriptor.proto) are skipped: they define no message a field
 * refers to (about 15% of the load time, and descriptor.proto is not in the deps). Field names are kept as in the .proto files
 * (`keepCase`); `codec.ts` maps them to proto3 JSON names. This module does no encoding itself.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';

/** Resource and discovery-service protos (paths relative to the include dirs). */
const CORE_FILES = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/discovery/v3/ads.proto',
];

/** Every type the compiler may pack in a `typed_config` / `typed_*` Any. */
export const EXTENSION_FILES: readonly string[] = [
  // network filters
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/sni_cluster/v3/sni_cluster.proto',
  // http filters
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  // listener filters
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/original_src/v3/original_src.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  // transport sockets
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/request_id/uuid/v3/uuid.proto',
  // cluster extensions
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/clusters/aggregate/v3/cluster.proto',
  // access logs
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  // load-balancing policies grpc-js-xds accepts (and maglev / least_request for Envoy)
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  // retry extensions (Istio's retry policy)
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  // typed structs
  'udpa/type/v1/typed_struct.proto',
  'xds/type/v3/typed_struct.proto',
];

/** Every file loaded, in order. */
export const PROTO_FILES: readonly string[] = [...CORE_FILES, ...EXTENSION_FILES];

/** Imports that only declare option extensions; never needed to encode or decode a message. */
function isAnnotationOnly(target: string): boolean {
  return (
    target === 'google/protobuf/descriptor.proto' ||
    target.startsWith('validate/') ||
    target.startsWith('udpa/annotations/') ||
    target.startsWith('xds/annotations/') ||
    target.startsWith('envoy/annotations/')
  );
}

const SKIPPED_PREFIX = 'trellis-skipped:';

let includeDirsCache: string[] | undefined;

/** The include directories: `deps/{envoy-api,xds,googleapis,protoc-gen-validate}` of grpc-js-xds. */
export function protoIncludeDirs(): string[] {
  if (includeDirsCache) return includeDirsCache;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@grpc/grpc-js-xds/package.json');
  const deps = join(dirname(pkg), 'deps');
  includeDirsCache = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d));
  return includeDirsCache;
}

let rootCache: protobuf.Root | undefined;
let loadMillis: number | undefined;

/** The Root holding every message in `PROTO_FILES`, loaded on first call and cached. */
export function protoRoot(): protobuf.Root {
  if (rootCache) return rootCache;
  const start = performance.now();
  const dirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (origin: string, target: string): string => {
    if (isAnnotationOnly(target)) {
      // Listed as already loaded, so protobufjs never reads it.
      const name = SKIPPED_PREFIX + target;
      if (!root.files.includes(name)) root.files.push(name);
      return name;
    }
    for (const dir of dirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return join(dirname(origin), target); // let protobufjs report the missing file
  };
  root.loadSync([...PROTO_FILES], { keepCase: true });
  root.resolveAll();
  rootCache = root;
  loadMillis = performance.now() - start;
  return root;
}

/** How long the first `protoRoot()` took, in milliseconds (undefined before it ran). */
export function protoLoadMillis(): number | undefined {
  return loadMillis;
}

/** The message type for a fully-qualified name (`envoy.config.cluster.v3.Cluster`), if loaded. */
export function lookupMessage(fullName: string): protobuf.Type | undefined {
  const name = fullName.startsWith('.') ? fullName.slice(1) : fullName;
  try {
    return protoRoot().lookupType(name);
  } catch {
    return undefined;
  }
}

/** The message type named by a type URL (`type.googleapis.com/envoy.config.cluster.v3.Cluster`). */
export function messageForTypeUrl(typeUrl: string): protobuf.Type | undefined {
  const slash = typeUrl.lastIndexOf('/');
  if (slash < 0 || slash === typeUrl.length - 1) return undefined;
  return lookupMessage(typeUrl.slice(slash + 1));
}
