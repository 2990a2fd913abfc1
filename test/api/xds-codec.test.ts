/**
 * The xDS codec against the real Envoy protos: realistic resources round-trip unchanged, and the
 * strict check reports unknown fields, wrong types, bad Durations, oneof conflicts and Envoy
 * validation rules with their JSON paths.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { TypeUrl } from '../../src/api/envoy/common.js';
import {
  XdsCodecError,
  adsServiceDefinition,
  checkRoundTrip,
  decodeMessage,
  decodeResource,
  encodeMessage,
  encodeResource,
  inferResourceTypeUrl,
  packResource,
  protoLoadMillis,
  protoRoot,
  resolveMessage,
} from '../../src/api/xds/index.js';
import { assertEncodes } from '../helpers/xds.js';
import * as fx from './xds-fixtures.js';

const T = 'type.googleapis.com/';
const clone = <V>(v: V): V => structuredClone(v);
/** A resource as a proto3 printer writes it back (defaults without presence left out). */
const canonical = (r: { '@type': string }) => decodeResource(r['@type'], encodeResource(r));

function only(problems: string[], fragment: string): string {
  const hit = problems.find((p) => p.includes(fragment));
  assert.ok(hit, `expected a problem mentioning ${JSON.stringify(fragment)}, got:\n  ${problems.join('\n  ')}`);
  return hit;
}

describe('proto loading', () => {
  test('loads once, lazily, in reasonable time, and resolves every type the compiler packs', () => {
    const root = protoRoot();
    assert.equal(protoRoot(), root, 'cached');
    const ms = protoLoadMillis();
    assert.ok(ms !== undefined && ms < 3000, `load took ${ms} ms`);
    for (const name of [
      'envoy.config.listener.v3.Listener',
      'envoy.config.route.v3.RouteConfiguration',
      'envoy.config.cluster.v3.Cluster',
      'envoy.config.endpoint.v3.ClusterLoadAssignment',
      'envoy.service.discovery.v3.DiscoveryRequest',
      'envoy.service.discovery.v3.DiscoveryResponse',
      'envoy.service.discovery.v3.DeltaDiscoveryRequest',
      'envoy.service.discovery.v3.DeltaDiscoveryResponse',
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      'envoy.extensions.filters.http.router.v3.Router',
      'envoy.extensions.filters.http.fault.v3.HTTPFault',
      'envoy.extensions.filters.http.cors.v3.Cors',
      'envoy.extensions.filters.http.cors.v3.CorsPolicy',
      'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
      'envoy.extensions.filters.listener.original_src.v3.OriginalSrc',
      'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
      'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      'envoy.extensions.clusters.aggregate.v3.ClusterConfig',
      'envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash',
      'envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality',
      'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin',
      'envoy.extensions.load_balancing_policies.pick_first.v3.PickFirst',
      'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
      'envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
      'udpa.type.v1.TypedStruct',
      'xds.type.v3.TypedStruct',
    ]) {
      assert.ok(resolveMessage(name), name);
    }
    assert.throws(() => resolveMessage('envoy.extensions.filters.http.nope.v3.Nope'), XdsCodecError);
  });
});

describe('realistic resources round-trip with no problems', () => {
  for (const [name, resource] of Object.entries(fx.allResources)) {
    test(name, () => assertEncodes([resource]));
  }

  test('decodeResource returns the same JSON form, @type first', () => {
    const decoded = decodeResource(TypeUrl.ClusterLoadAssignment, encodeResource(fx.loadAssignment));
    assert.deepEqual(Object.keys(decoded)[0], '@type');
    const expected = clone(fx.loadAssignment) as Record<string, any>;
    delete expected.endpoints[0].priority; // 0 is the proto3 default: not printed
    assert.deepEqual(decoded, expected);
  });

  test('resources without @type take the type URL, or are recognised by their fields', () => {
    const { '@type': _t, ...bare } = fx.edsCluster;
    assert.deepEqual(checkRoundTrip(TypeUrl.Cluster, bare), []);
    assert.equal(inferResourceTypeUrl(bare), TypeUrl.Cluster);
    const { '@type': _r, ...routes } = fx.routeConfiguration;
    assert.equal(inferResourceTypeUrl(routes), TypeUrl.RouteConfiguration);
    const { '@type': _l, ...cla } = fx.loadAssignment;
    assert.equal(inferResourceTypeUrl(cla), TypeUrl.ClusterLoadAssignment);
    assertEncodes([bare, routes, cla]);
    const decoded = decodeResource(TypeUrl.Cluster, encodeResource(bare, TypeUrl.Cluster));
    assert.equal(decoded['@type'], TypeUrl.Cluster);
  });

  test('the bytes mean what the JSON says (read back with protobufjs alone, no codec)', () => {
    const type = resolveMessage(TypeUrl.Cluster);
    const plain = type.toObject(type.decode(encodeResource(fx.edsCluster)), { longs: String, enums: String }) as Record<string, any>;
    assert.equal(plain.name, fx.edsCluster.name);
    assert.equal(plain.type, 'EDS');
    assert.deepEqual({ ...plain.connect_timeout }, { seconds: '10', nanos: 0 });
    assert.equal(plain.outlier_detection.consecutive_5xx.value, 1);
    assert.equal(plain.outlier_detection.base_ejection_time.seconds, '180');
    assert.equal(plain.ring_hash_lb_config.minimum_ring_size.value, '1024');
    assert.equal(plain.circuit_breakers.thresholds[0].max_requests.value, 4294967295);
    assert.equal(plain.transport_socket.typed_config.type_url, `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`);
    const tls = resolveMessage('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    const inner = tls.toObject(tls.decode(plain.transport_socket.typed_config.value)) as Record<string, any>;
    assert.equal(inner.sni, fx.edsCluster.transportSocket.typedConfig.sni);
    assert.deepEqual(inner.common_tls_context.alpn_protocols, ['istio-peer-exchange', 'istio']);
  });

  test('equivalent spellings come back canonical without being reported', () => {
    const cluster = {
      ...clone(fx.blackHoleCluster),
      connectTimeout: '0.25s', // printed "0.250s"
      type: 0, // enum by number: STATIC
      ringHashLbConfig: { minimumRingSize: 1024 }, // uint64 as a number
      dnsRefreshRate: '5.000s',
    };
    assert.deepEqual(checkRoundTrip(TypeUrl.Cluster, cluster), []);
    const back = decodeResource(TypeUrl.Cluster, encodeResource(cluster));
    const huge = { ...cluster, ringHashLbConfig: { maximumRingSize: '18446744073709551615' }, altStatName: '0' };
    assert.deepEqual(checkRoundTrip(TypeUrl.Cluster, huge, { rules: false }), []); // Envoy caps it at 8M
    const hugeBack = decodeResource(TypeUrl.Cluster, encodeResource(huge));
    assert.deepEqual(hugeBack.ringHashLbConfig, { maximumRingSize: '18446744073709551615' }, 'uint64 beyond 2^53 intact');
    assert.equal(hugeBack.altStatName, '0', "the string '0' is not a default");
    assert.equal(back.connectTimeout, '0.250s');
    assert.equal(back.type, 'STATIC', 'a oneof member has presence: printed even at its default');
    assert.deepEqual(back.ringHashLbConfig, { minimumRingSize: '1024' });
    assert.equal(back.dnsRefreshRate, '5s');
  });

  test('Struct, Value, ListValue, bytes and Timestamp keep their JSON', () => {
    const request = {
      versionInfo: '3',
      node: {
        id: 'sidecar~127.0.2.1~demoapp-v11-0.default~default.svc.cluster.local',
        cluster: 'demoapp.default',
        metadata: { NAMESPACE: 'default', LABELS: { app: 'demoapp', version: 'v11' }, PORTS: [8080, 9090], ENABLED: true, NOTHING: null },
        locality: { region: 'us-central1' },
        userAgentName: 'envoy',
      },
      resourceNames: ['outbound|8080|v11|demoapp.default.svc.cluster.local'],
      typeUrl: TypeUrl.ClusterLoadAssignment,
      responseNonce: 'n-1',
      errorDetail: { code: 3, message: 'rejected' },
    };
    const name = 'envoy.service.discovery.v3.DiscoveryRequest';
    assert.deepEqual(checkRoundTrip(name, request), []);
    assert.deepEqual(decodeMessage(name, encodeMessage(name, request)), request);
    assert.deepEqual(checkRoundTrip(`${T}google.protobuf.Timestamp`, { value: '2024-05-01T10:00:00.500Z' }), []);
    assert.deepEqual(checkRoundTrip(`${T}google.protobuf.BytesValue`, { value: 'aGVsbG8=' }), []);
    assert.deepEqual(checkRoundTrip(`${T}google.protobuf.FloatValue`, { value: 0.1 }), []);
  });
});

/** grpc-js-xds's own resource decoders (internal paths; undefined if its layout changed). */
function grpcXdsDecoders(): Record<string, { get(): { decode(ctx: object, any: object): { name: string; error?: string; value?: any } } }> | undefined {
  try {
    const require = createRequire(import.meta.url);
    require('@grpc/grpc-js-xds').register(); // registers the HTTP filters the route decoder checks
    const dir = '@grpc/grpc-js-xds/build/src/xds-resource-type';
    return {
      cluster: require(`${dir}/cluster-resource-type.js`).ClusterResourceType,
      endpoint: require(`${dir}/endpoint-resource-type.js`).EndpointResourceType,
      route: require(`${dir}/route-config-resource-type.js`).RouteConfigurationResourceType,
    };
  } catch {
    return undefined;
  }
}

describe('an independent decoder: the proxyless gRPC client', () => {
  const decoders = grpcXdsDecoders();
  const skip = decoders ? false : "@grpc/grpc-js-xds's internal resource decoders moved; skipping";
  const ctx = { server: { serverUri: 'localhost:15010', channelCredentials: { type: 'insecure' }, serverFeatures: [] } };

  test('grpc-js-xds reads our EDS cluster and load assignment with the values we wrote', { skip }, () => {
    const { transportSocket: _ts, ringHashLbConfig: _rh, ...plain } = fx.edsCluster;
    const cluster = decoders!.cluster.get().decode(ctx, packResource({ ...plain, lbPolicy: 'ROUND_ROBIN' }));
    assert.equal(cluster.error, undefined);
    assert.equal(cluster.name, fx.edsCluster.name);
    assert.equal(cluster.value.edsServiceName, fx.edsCluster.edsClusterConfig.serviceName);
    assert.equal(cluster.value.maxConcurrentRequests, 4294967295);
    const cla = decoders!.endpoint.get().decode(ctx, packResource(fx.loadAssignment));
    assert.equal(cla.error, undefined);
    assert.equal(cla.value.endpoints[0].lb_endpoints[0].load_balancing_weight.value, 3);
    assert.equal(cla.value.endpoints[1].priority, 1);
  });

  test('grpc-js-xds accepts the routes a proxyless client supports, fault included', { skip }, () => {
    const rc = clone(fx.routeConfiguration) as Record<string, any>;
    const vh = rc.virtualHosts[0];
    delete vh.typedPerFilterConfig; // CORS is not a gRPC filter
    vh.routes = [vh.routes[0], vh.routes[1], vh.routes[4]]; // no redirect / direct response in gRPC
    vh.routes[0].typedPerFilterConfig['envoy.filters.http.fault'] = {
      '@type': `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`,
      abort: { httpStatus: 503, percentage: { numerator: 10, denominator: 'HUNDRED' } },
    };
    assertEncodes([rc]);
    const decoded = decoders!.route.get().decode(ctx, packResource(rc));
    assert.equal(decoded.error, undefined);
    const canary = decoded.value.virtual_hosts[0].routes[0];
    assert.equal(canary.route.prefix_rewrite, '/');
    assert.equal(canary.route.retry_policy.num_retries.value, 3);
    assert.equal(canary.match.headers[0].string_match.exact, 'jason');
  });
});

describe('discovery messages', () => {
  test('a DiscoveryResponse with Any-packed resources encodes and decodes', () => {
    const response = {
      versionInfo: '2024-05-01T10:00:00Z/7',
      resources: [fx.edsCluster, fx.dnsCluster, fx.passthroughCluster, fx.blackHoleCluster],
      typeUrl: TypeUrl.Cluster,
      nonce: 'nonce-7',
      controlPlane: { identifier: 'trellis' },
    };
    const name = 'envoy.service.discovery.v3.DiscoveryResponse';
    assert.deepEqual(checkRoundTrip(name, response), []);
    const bytes = encodeMessage(name, response);
    const back = decodeMessage(name, bytes);
    assert.deepEqual(back, { ...response, resources: response.resources.map(canonical) });
    // The Any values are exactly the resources' own encodings.
    const raw = resolveMessage(name).decode(bytes) as unknown as { resources: { type_url: string; value: Uint8Array }[] };
    assert.equal(raw.resources[0].type_url, TypeUrl.Cluster);
    assert.deepEqual(Buffer.from(raw.resources[0].value), Buffer.from(encodeResource(fx.edsCluster)));
    assert.deepEqual(Buffer.from(packResource(fx.dnsCluster).value), Buffer.from(raw.resources[1].value));
  });

  test('a DeltaDiscoveryResponse with named resources encodes and decodes', () => {
    const delta = {
      systemVersionInfo: '7',
      resources: [{ name: fx.loadAssignment.clusterName, version: '7', resource: fx.loadAssignment }],
      typeUrl: TypeUrl.ClusterLoadAssignment,
      removedResources: ['outbound|8080|v10|demoapp.default.svc.cluster.local'],
      nonce: 'd-7',
    };
    const name = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';
    assert.deepEqual(checkRoundTrip(name, delta), []);
    const back = decodeMessage(name, encodeMessage(name, delta));
    assert.deepEqual(back, { ...delta, resources: [{ ...delta.resources[0], resource: canonical(fx.loadAssignment) }] });
  });

  test('the ADS service definition serializes both directions with the codec', () => {
    const ads = adsServiceDefinition().StreamAggregatedResources;
    assert.equal(ads.path, '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources');
    assert.ok(ads.requestStream && ads.responseStream);
    const request = { node: { id: 'router~127.0.0.10~gw.istio-system~istio-system.svc.cluster.local' }, typeUrl: TypeUrl.Listener };
    assert.deepEqual(ads.requestDeserialize(ads.requestSerialize(request)), request);
    const response = { versionInfo: '1', typeUrl: TypeUrl.Listener, resources: [fx.httpListener], nonce: '1' };
    assert.deepEqual(ads.responseDeserialize(ads.responseSerialize(response)), { ...response, resources: [canonical(fx.httpListener)] });
  });
});

describe('problems are reported with their JSON path', () => {
  test('a misspelt field, with the closest name and the valid names', () => {
    const cla = { ...clone(fx.loadAssignment), clusterNme: 'x' };
    const p = only(checkRoundTrip(undefined, cla), 'clusterNme');
    assert.match(p, /^clusterNme: unknown field 'clusterNme' of envoy\.config\.endpoint\.v3\.ClusterLoadAssignment; did you mean 'clusterName'\?/);
    assert.match(p, /valid fields: clusterName, endpoints, namedEndpoints, policy/);
  });

  test('a misspelt field deep inside an Any, and a snake_case name', () => {
    const listener = clone(fx.httpListener);
    const hcm = listener.filterChains[0].filters[0].typedConfig as Record<string, any>;
    hcm.rds.routeConfigNme = '8080';
    hcm.httpFilters[2].typedConfig.suppress_envoy_headers = true;
    const problems = checkRoundTrip(undefined, listener);
    assert.equal(problems.length, 2, problems.join('\n'));
    only(problems, "filterChains[0].filters[0].typedConfig.rds.routeConfigNme: unknown field 'routeConfigNme' of envoy.extensions.filters.network.http_connection_manager.v3.Rds; did you mean 'routeConfigName'?");
    only(problems, "filterChains[0].filters[0].typedConfig.httpFilters[2].typedConfig.suppress_envoy_headers: unknown field 'suppress_envoy_headers' of envoy.extensions.filters.http.router.v3.Router; write it in lowerCamelCase as 'suppressEnvoyHeaders'");
  });

  test('values of the wrong type', () => {
    const cluster = clone(fx.dnsCluster) as Record<string, any>;
    cluster.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portValue = '80';
    cluster.respectDnsTtl = 'yes';
    cluster.circuitBreakers = { thresholds: { maxConnections: 1 } };
    cluster.lbPolicy = 'LEAST_REQUESTS';
    cluster.loadAssignment.endpoints[0].loadBalancingWeight = -1;
    const problems = checkRoundTrip(undefined, cluster);
    only(problems, 'loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portValue: expected an integer from 0 to 4294967295 (uint32), got "80"');
    only(problems, 'respectDnsTtl: expected true or false (bool), got "yes"');
    only(problems, 'circuitBreakers.thresholds: expected an array');
    only(problems, "lbPolicy: \"LEAST_REQUESTS\" is not a value of enum envoy.config.cluster.v3.Cluster.LbPolicy; did you mean 'LEAST_REQUEST'?");
    only(problems, 'loadAssignment.endpoints[0].loadBalancingWeight: expected an integer from 0 to 4294967295');
  });

  test('bad Durations', () => {
    for (const bad of ['5', '5ms', '1m', 5, '-', '1.0000000001s']) {
      const problems = checkRoundTrip(undefined, { ...clone(fx.blackHoleCluster), connectTimeout: bad });
      only(problems, 'connectTimeout: expected a Duration string such as "5s" or "0.250s"');
    }
    const routes = clone(fx.routeConfiguration) as Record<string, any>;
    routes.virtualHosts[0].routes[0].route.retryPolicy.perTryTimeout = '2 s';
    only(checkRoundTrip(undefined, routes), 'virtualHosts[0].routes[0].route.retryPolicy.perTryTimeout: expected a Duration string');
  });

  test('two members of one oneof', () => {
    const routes = clone(fx.routeConfiguration) as Record<string, any>;
    routes.virtualHosts[0].routes[3].route = { cluster: 'PassthroughCluster' }; // already a directResponse
    routes.virtualHosts[0].routes[4].route.weightedClusters = { clusters: [{ name: 'a', weight: 1 }] };
    routes.virtualHosts[0].routes[0].match.headers[0].stringMatch.prefix = 'ja';
    const problems = checkRoundTrip(undefined, routes);
    only(problems, "virtualHosts[0].routes[3].route: 'route' and 'directResponse' are both set, but they are members of oneof 'action' of envoy.config.route.v3.Route");
    only(problems, "virtualHosts[0].routes[4].route.weightedClusters: 'weightedClusters' and 'cluster' are both set, but they are members of oneof 'cluster_specifier'");
    only(problems, "virtualHosts[0].routes[0].match.headers[0].stringMatch.prefix: 'prefix' and 'exact' are both set");
  });

  test("Envoy's validation rules: required oneofs and messages, lengths, ranges", () => {
    const routes = clone(fx.routeConfiguration) as Record<string, any>;
    delete routes.virtualHosts[0].routes[4].route.cluster; // no cluster specifier
    routes.virtualHosts[1].domains = [];
    routes.virtualHosts[0].name = '';
    const problems = checkRoundTrip(undefined, routes);
    only(problems, 'virtualHosts[0].routes[4].route: one of cluster, clusterHeader, weightedClusters, clusterSpecifierPlugin, inlineClusterSpecifierPlugin is required');
    only(problems, 'virtualHosts[1].domains: needs at least 1 item(s), has 0');
    only(problems, 'virtualHosts[0].name: must be at least 1 character(s) long');
    const cluster = { ...clone(fx.edsCluster), name: '' } as Record<string, any>;
    cluster.outlierDetection.maxEjectionPercent = 101;
    cluster.edsClusterConfig = { serviceName: 'x' };
    const clusterProblems = checkRoundTrip(undefined, cluster);
    only(clusterProblems, 'name: must be at least 1 character(s) long');
    only(clusterProblems, 'outlierDetection.maxEjectionPercent: 101 is out of range; must be <= 100');
    assert.deepEqual(checkRoundTrip(undefined, cluster, { rules: false }), []);
  });

  test('an Any of a type that is not loaded, or without @type', () => {
    const listener = clone(fx.httpListener) as Record<string, any>;
    listener.filterChains[0].filters[0].typedConfig.httpFilters[0].typedConfig['@type'] = `${T}envoy.extensions.filters.http.nope.v3.Nope`;
    listener.listenerFilters[0].typedConfig = { name: 'x' };
    const problems = checkRoundTrip(undefined, listener);
    only(problems, "filterChains[0].filters[0].typedConfig.httpFilters[0].typedConfig.@type: 'type.googleapis.com/envoy.extensions.filters.http.nope.v3.Nope' is not a message type loaded");
    only(problems, "listenerFilters[0].typedConfig: expected an Any: an object with '@type'");
  });

  test('a value that does not survive the trip is reported as changed', () => {
    only(checkRoundTrip(`${T}google.protobuf.FloatValue`, { value: 0.123456789 }), 'value: changed by encode → decode from 0.123456789 to 0.12345679');
  });

  test('encodeResource refuses what it cannot encode faithfully', () => {
    assert.throws(
      () => encodeResource({ ...fx.blackHoleCluster, connectTimeout: '10' }),
      (err: unknown) => err instanceof XdsCodecError && err.problems.some((p) => p.startsWith('connectTimeout:')),
    );
    assert.throws(() => encodeResource({ name: 'x' }), XdsCodecError); // no @type, no type URL
  });

  test('assertEncodes fails with every problem listed', () => {
    const bad = { ...clone(fx.passthroughCluster), lbPolicy: 'NOPE', conectTimeout: '1s' };
    assert.throws(() => assertEncodes([fx.blackHoleCluster, bad]), /Cluster 'PassthroughCluster':\n\s+lbPolicy: .*\n\s+conectTimeout: unknown field .*did you mean 'connectTimeout'/);
  });
});
