/**
 * The proxyless gRPC generators (src/compile/grpc): what a client with `GENERATOR: grpc` gets for
 * the echo scenario, by the names grpc-js-xds asks for, checked three ways: the resources
 * encode faithfully with the Envoy protos, grpc-js-xds's own validators accept them, and a
 * request simulated through the route table the way gRPC matches it (gRFC A28: authority against
 * virtual host domains with the port, first matching route) lands on the right clusters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { Cluster } from '../../src/api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../../src/api/envoy/endpoint.js';
import type { Route, RouteConfiguration, VirtualHost } from '../../src/api/envoy/route.js';
import {
  compileGrpc, grpcClusters, grpcEndpoints, grpcGenerators, grpcListeners, grpcRoutes, listenerNameFilter, tryFindFqdn,
  type GrpcApiListener,
} from '../../src/compile/grpc/index.js';
import { compileRoutes } from '../../src/compile/index.js';
import { proxyFromNode } from '../../src/model/proxy.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';
import {
  ECHO_HOST, ECHO_PORT, ECHO_TARGET, destinationRuleYaml, echoMeshFiles, grpcClientNode, serviceEntryYaml, workloadEntriesYaml,
} from '../e2e/helpers/echo-mesh.js';
import { DECODERS_MISSING, grpcXdsDecoders } from '../e2e/helpers/grpc-xds-decoders.js';
import { snapshotFrom } from '../helpers/snapshot.js';
import { assertEncodes } from '../helpers/xds.js';

const V1 = `outbound|${ECHO_PORT}|v1|${ECHO_HOST}`;
const V2 = `outbound|${ECHO_PORT}|v2|${ECHO_HOST}`;
const DEFAULT = `outbound|${ECHO_PORT}||${ECHO_HOST}`;
const backends = { v1: { address: '127.0.10.1', port: 40001 }, v2: { address: '127.0.10.2', port: 40002 } };

function echoSnapshot(extra = '', weights: [number, number] = [80, 20]): Snapshot {
  const files = echoMeshFiles({ ...backends, weights });
  return snapshotFrom([...Object.values(files), extra].filter(Boolean).join('---\n'));
}

function grpcProxy(namespace = 'default', ip = '127.0.10.9'): Proxy {
  const n = grpcClientNode(ip, namespace);
  return proxyFromNode(n.id, n.metadata);
}

const decoders = grpcXdsDecoders();
const skip = decoders ? false : DECODERS_MISSING;

/** Asserts grpc-js-xds accepts every resource (no NACK), with its message if not. */
function assertAccepted(kind: 'listener' | 'route' | 'cluster' | 'endpoint', resources: readonly object[], typeUrl: string): void {
  for (const r of resources) {
    const res = decoders!.decode(kind, r, typeUrl);
    assert.equal(res.error, undefined, `grpc-js-xds rejects ${kind} ${res.name}: ${res.error}`);
  }
}

// ── A gRPC-semantics route simulator (gRFC A28) ───────────────────────────────────────────────

function domainScore(domain: string, authority: string): number {
  if (domain === authority) return 4;
  if (domain === '*') return 1;
  if (domain.startsWith('*') && authority.endsWith(domain.slice(1))) return 3;
  if (domain.endsWith('*') && authority.startsWith(domain.slice(0, -1))) return 2;
  return 0;
}

function pickVirtualHost(rc: RouteConfiguration, authority: string): VirtualHost | undefined {
  let best: { vh: VirtualHost; score: number } | undefined;
  for (const vh of rc.virtualHosts ?? []) {
    for (const d of vh.domains) {
      const score = domainScore(d, authority);
      if (score > 0 && (!best || score > best.score)) best = { vh, score };
    }
  }
  return best?.vh;
}

function routeMatches(r: Route, path: string, headers: Record<string, string>): boolean {
  const m = r.match;
  if (m.prefix !== undefined && !path.startsWith(m.prefix)) return false;
  if (m.path !== undefined && path !== m.path) return false;
  for (const h of m.headers ?? []) {
    const v = headers[h.name];
    let ok: boolean;
    if (h.presentMatch !== undefined) ok = v !== undefined;
    else if (h.stringMatch?.exact !== undefined) ok = v === h.stringMatch.exact;
    else if (h.stringMatch?.prefix !== undefined) ok = v !== undefined && v.startsWith(h.stringMatch.prefix);
    else throw new Error(`simulator: unsupported header matcher ${JSON.stringify(h)}`);
    if (h.invertMatch ? ok : !ok) return false;
  }
  return true;
}

/** Where an RPC goes: cluster name → weight (a single cluster has weight 1). */
function simulate(rc: RouteConfiguration, authority: string, headers: Record<string, string> = {}, path = '/echo.Echo/Call'): Record<string, number> {
  const vh = pickVirtualHost(rc, authority);
  assert.ok(vh, `no virtual host for ${authority}`);
  const r = vh.routes?.find((x) => routeMatches(x, path, headers));
  assert.ok(r?.route, `no route for ${path} ${JSON.stringify(headers)} in ${vh.name}`);
  if (r.route.cluster) return { [r.route.cluster]: 1 };
  return Object.fromEntries((r.route.weightedClusters?.clusters ?? []).map((c) => [c.name, c.weight ?? 0]));
}

// ── Tests ────────────────────────────────────────────────────────────────────────────────────

describe('names a gRPC client asks for', () => {
  test("short names expand against the client's namespace, as Istio's tryFindFQDN", () => {
    const p = grpcProxy('default');
    assert.equal(tryFindFqdn('echo', p), ECHO_HOST);
    assert.equal(tryFindFqdn('echo.default', p), ECHO_HOST);
    assert.equal(tryFindFqdn('echo.default.svc', p), ECHO_HOST);
    assert.equal(tryFindFqdn('echo.other', p), undefined);
    assert.equal(tryFindFqdn(ECHO_HOST, p), undefined);
  });

  test('a name with a port selects that port; without one, every port; inbound names apart', () => {
    const f = listenerNameFilter([ECHO_TARGET, 'echo.default:9090', 'xds.istio.io/grpc/lds/inbound/0.0.0.0:7070'], grpcProxy());
    assert.deepEqual(f.inbound, ['xds.istio.io/grpc/lds/inbound/0.0.0.0:7070']);
    assert.deepEqual([...f.hosts!.get(ECHO_HOST)!.requested].sort(), ['echo.default', ECHO_HOST]);
    assert.deepEqual([...f.hosts!.get(ECHO_HOST)!.ports!], ['7070', '9090']);
    assert.deepEqual([...f.hosts!.get('echo.default')!.ports!], ['9090']);
    const all = listenerNameFilter([ECHO_TARGET, 'echo'], grpcProxy());
    assert.equal(all.hosts!.get(ECHO_HOST)!.ports, undefined, 'echo was also asked for without a port: every port');
  });
});

describe('LDS: api_listeners', () => {
  const snap = echoSnapshot();
  const proxy = grpcProxy();

  test('the dial target xds:///echo.default.svc.cluster.local:7070 gets one api_listener by that name', () => {
    const ls = grpcListeners(snap, proxy, [ECHO_TARGET]) as GrpcApiListener[];
    assert.deepEqual(ls.map((l) => l.name), [ECHO_TARGET]);
    const hcm = ls[0]!.apiListener.apiListener;
    assert.equal(hcm.rds?.routeConfigName, DEFAULT, "Istio's grpcgen names the route like the default cluster");
    assert.deepEqual(hcm.rds?.configSource, { ads: {}, resourceApiVersion: 'V3' });
    assert.deepEqual(hcm.httpFilters.map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.router'], 'router last');
    assert.equal(ls[0]!.address.socketAddress?.portValue, ECHO_PORT);
    assertEncodes(ls, TypeUrl.Listener);
  });

  test('grpc-js-xds accepts it', { skip }, () => {
    assertAccepted('listener', grpcListeners(snap, proxy, [ECHO_TARGET]), TypeUrl.Listener);
  });

  test('short forms are answered under the name the client used', () => {
    const names = ['echo:7070', 'echo.default:7070', 'echo.default.svc:7070'];
    assert.deepEqual(grpcListeners(snap, proxy, names).map((l) => l.name).sort(), [...names].sort());
    assert.deepEqual(grpcListeners(snap, grpcProxy('other'), ['echo:7070']), [], 'echo is not a short name from namespace other');
    assert.deepEqual(grpcListeners(snap, grpcProxy('other'), ['echo.default:7070']), [], 'nor echo.default (Istio expands only the own namespace)');
  });

  test('unknown hosts and ports get nothing; no port means every port', () => {
    assert.deepEqual(grpcListeners(snap, proxy, ['nope.default.svc.cluster.local:7070', `${ECHO_HOST}:7071`]), []);
    assert.deepEqual(grpcListeners(snap, proxy, [ECHO_HOST]).map((l) => l.name), [ECHO_TARGET]);
  });

  test('a wildcard request gets FQDN:PORT for every visible service port', () => {
    const names = grpcListeners(snap, proxy).map((l) => l.name);
    assert.ok(names.includes(ECHO_TARGET));
    assert.ok(names.includes('istio-ingressgateway.istio-system.svc.cluster.local:443'), 'the built-in gateway Services too');
    assert.ok(names.every((n) => /^[a-z0-9.-]+\.svc\.cluster\.local:\d+$/.test(n)), names.join());
  });

  test('a gRPC server asks for its inbound listener; it gets one for a port it serves, plaintext, router last', { skip }, () => {
    const server = proxyFromNode('sidecar~127.0.10.1~echo-v1.default~default.svc.cluster.local', { GENERATOR: 'grpc', NAMESPACE: 'default' });
    const names = ['xds.istio.io/grpc/lds/inbound/127.0.10.1:40001', 'xds.istio.io/grpc/lds/inbound/127.0.10.1:40009'];
    const ls = grpcListeners(snap, server, names);
    assert.deepEqual(ls.map((l) => l.name), [names[0]]);
    assertEncodes(ls, TypeUrl.Listener);
    assertAccepted('listener', ls, TypeUrl.Listener);
  });
});

describe('RDS: the sidecar virtual hosts of the port', () => {
  const snap = echoSnapshot();
  const proxy = grpcProxy();
  const [rc] = grpcRoutes(snap, proxy, [DEFAULT]);

  test('named as requested, domains with the port for FQDN and the short forms, no port-ignoring', () => {
    assert.ok(rc);
    assert.equal(rc.name, DEFAULT);
    const vh = rc.virtualHosts![0]!;
    assert.equal(vh.name, ECHO_TARGET);
    for (const d of [ECHO_TARGET, 'echo:7070', 'echo.default:7070', 'echo.default.svc:7070']) assert.ok(vh.domains.includes(d), d);
    assert.equal(rc.ignorePortInHostMatching, undefined, 'gRPC matches the authority with its port');
    assertEncodes([rc], TypeUrl.RouteConfiguration);
  });

  test('x-user: jason goes to v2; everyone else 80/20 over v1/v2, as for sidecars', () => {
    assert.deepEqual(simulate(rc!, ECHO_TARGET, { 'x-user': 'jason' }), { [V2]: 1 });
    assert.deepEqual(simulate(rc!, ECHO_TARGET, { 'x-user': 'mike' }), { [V1]: 80, [V2]: 20 });
    assert.deepEqual(simulate(rc!, 'echo:7070'), { [V1]: 80, [V2]: 20 });
  });

  test('the same matches and destinations a sidecar in the namespace gets for that port', () => {
    const sidecar = proxyFromNode('sidecar~127.0.10.8~app.default~default.svc.cluster.local', { NAMESPACE: 'default' });
    const [side] = compileRoutes(snap, sidecar, [String(ECHO_PORT)]);
    const shape = (vh: VirtualHost | undefined) => vh?.routes?.map((r) => ({ name: r.name, match: r.match, cluster: r.route?.cluster, weighted: r.route?.weightedClusters, retry: r.route?.retryPolicy }));
    const sideVh = side!.virtualHosts!.find((v) => v.name === ECHO_TARGET);
    assert.ok(sideVh);
    assert.deepEqual(shape(rc!.virtualHosts![0]), shape(sideVh));
    assert.ok(!sideVh.domains.includes(ECHO_TARGET) && rc!.virtualHosts![0]!.domains.includes(ECHO_TARGET), 'only the gRPC one lists ports');
  });

  test('0/100 leaves only v2 for everyone', () => {
    const [rc0] = grpcRoutes(echoSnapshot('', [0, 100]), proxy, [DEFAULT]);
    const dest = simulate(rc0!, ECHO_TARGET);
    assert.equal(dest[V1] ?? 0, 0);
    assert.ok((dest[V2] ?? 0) > 0);
  });

  test('grpc-js-xds accepts it and reads the header match and the weights', { skip }, () => {
    const res = decoders!.decode('route', rc!, TypeUrl.RouteConfiguration);
    assert.equal(res.error, undefined);
    const routes = (res.value as { virtual_hosts: { routes: { match: { headers: { string_match: { exact: string } }[] }; route: { weighted_clusters?: { clusters: { weight: { value: number } }[] } } }[] }[] }).virtual_hosts[0]!.routes;
    assert.equal(routes[0]!.match.headers[0]!.string_match.exact, 'jason');
    assert.deepEqual(routes[1]!.route.weighted_clusters!.clusters.map((c) => c.weight.value), [80, 20]);
  });

  test('a HOST:PORT name gives the same virtual hosts; names denoting no port give nothing', () => {
    const [alt] = grpcRoutes(snap, proxy, [ECHO_TARGET]);
    assert.deepEqual(alt!.virtualHosts, rc!.virtualHosts);
    assert.deepEqual(grpcRoutes(snap, proxy, ['nonsense', 'outbound|x||h']), []);
  });

  test('what gRPC cannot do is adapted so the configuration is still accepted', { skip }, () => {
    const other = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: echo-extras, namespace: default}
spec:
  hosts: [web.default.svc.cluster.local]
  http:
  - match: [{uri: {prefix: /old}}]
    redirect: {uri: /new}
  - match: [{queryParams: {debug: {exact: "1"}}}]
    route: [{destination: {host: web.default.svc.cluster.local, subset: v1}}]
  - match: [{uri: {prefix: /gone}}]
    directResponse: {status: 503}
  - corsPolicy: {allowOrigins: [{exact: "https://a.example"}]}
    fault: {abort: {httpStatus: 500, percentage: {value: 10}}}
    route: [{destination: {host: web.default.svc.cluster.local}}]
---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: web, namespace: default}
spec:
  hosts: [web.default.svc.cluster.local]
  location: MESH_INTERNAL
  ports: [{number: 7070, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.11.1}]
`;
    const [rc2] = grpcRoutes(echoSnapshot(other), proxy, [DEFAULT]);
    assertEncodes([rc2!], TypeUrl.RouteConfiguration);
    assertAccepted('route', [rc2!], TypeUrl.RouteConfiguration);
    const web = rc2!.virtualHosts!.find((v) => v.name === 'web.default.svc.cluster.local:7070')!;
    assert.equal(web.routes!.length, 3, 'the query-parameter route is skipped, as gRPC does');
    const [redirect, direct, last] = web.routes!;
    for (const r of [redirect!, direct!]) {
      assert.equal(r.redirect ?? r.directResponse, undefined);
      assert.deepEqual(r.typedPerFilterConfig!['envoy.filters.http.fault']!['abort'], { grpcStatus: 14, percentage: { numerator: 100, denominator: 'HUNDRED' } });
    }
    assert.deepEqual(Object.keys(last!.typedPerFilterConfig!), ['envoy.filters.http.fault'], 'CORS dropped, fault kept');
    assert.deepEqual(simulate(rc2!, ECHO_TARGET, { 'x-user': 'jason' }), { [V2]: 1 }, 'the echo host is unaffected');
  });
});

describe('CDS and EDS', () => {
  test('requested clusters are EDS over ADS, ROUND_ROBIN, named like their load assignments; unknown names left out', { skip }, () => {
    const cs = grpcClusters(echoSnapshot(), grpcProxy(), [V1, V2, 'outbound|7070|v3|echo.default.svc.cluster.local', 'BlackHoleCluster']);
    assert.deepEqual(cs.map((c) => c.name), [V1, V2]);
    for (const c of cs) {
      assert.equal(c.type, 'EDS');
      assert.equal(c.lbPolicy, 'ROUND_ROBIN');
      assert.equal(c.edsClusterConfig?.serviceName, c.name);
      assert.equal(c.transportSocket, undefined);
    }
    assertEncodes(cs, TypeUrl.Cluster);
    assertAccepted('cluster', cs, TypeUrl.Cluster);
  });

  const policyDr = (policy: string): string => destinationRuleYaml().replace('  subsets:', `  trafficPolicy:\n${policy}  subsets:`);
  const withDr = (dr: string): Snapshot =>
    snapshotFrom([serviceEntryYaml(), workloadEntriesYaml(backends), dr].join('---\n'));

  test('consistent hashing → RING_HASH (maglev too: gRPC has no maglev); LEAST_REQUEST stays ROUND_ROBIN', { skip }, () => {
    const cases: [string, string][] = [
      ['    loadBalancer:\n      consistentHash:\n        httpHeaderName: x-user\n', 'RING_HASH'],
      ['    loadBalancer:\n      consistentHash:\n        maglev: {tableSize: 65537}\n        httpHeaderName: x-user\n', 'RING_HASH'],
      ['    loadBalancer:\n      simple: LEAST_REQUEST\n', 'ROUND_ROBIN'],
    ];
    for (const [policy, lb] of cases) {
      const cs = grpcClusters(withDr(policyDr(policy)), grpcProxy(), [DEFAULT, V1]);
      assert.deepEqual(cs.map((c) => c.lbPolicy), [lb, lb], policy);
      assertEncodes(cs, TypeUrl.Cluster);
      assertAccepted('cluster', cs, TypeUrl.Cluster);
    }
  });

  test('ISTIO_MUTUAL → TLS from the bootstrap certificate provider, accepted by grpc-js-xds', { skip }, () => {
    const cs = grpcClusters(withDr(policyDr('    tls:\n      mode: ISTIO_MUTUAL\n')), grpcProxy(), [V1]);
    assert.equal(cs[0]!.transportSocket?.name, 'envoy.transport_sockets.tls');
    assertEncodes(cs, TypeUrl.Cluster);
    assertAccepted('cluster', cs, TypeUrl.Cluster);
  });

  test('subset assignments hold the subset endpoints with locality and weights; grpc-js-xds accepts them', { skip }, () => {
    const eps = grpcEndpoints(echoSnapshot(), grpcProxy(), [V1, V2, DEFAULT, 'outbound|9|x|nope.default.svc.cluster.local']);
    const addrs = (cla: ClusterLoadAssignment): string[] =>
      (cla.endpoints ?? []).flatMap((g) => g.lbEndpoints.map((e) => `${e.endpoint.address.socketAddress?.address}:${e.endpoint.address.socketAddress?.portValue}`));
    assert.deepEqual(eps.map((e) => e.clusterName), [V1, V2, DEFAULT, 'outbound|9|x|nope.default.svc.cluster.local']);
    assert.deepEqual(addrs(eps[0]!), ['127.0.10.1:40001']);
    assert.deepEqual(addrs(eps[1]!), ['127.0.10.2:40002']);
    assert.deepEqual(addrs(eps[2]!).sort(), ['127.0.10.1:40001', '127.0.10.2:40002']);
    assert.deepEqual(eps[3], { clusterName: 'outbound|9|x|nope.default.svc.cluster.local' });
    const g = eps[0]!.endpoints![0]!;
    assert.ok(g.locality, 'a locality (gRPC rejects groups without one)');
    assert.equal(g.loadBalancingWeight, 1);
    assertEncodes(eps, TypeUrl.ClusterLoadAssignment);
    assertAccepted('endpoint', eps, TypeUrl.ClusterLoadAssignment);
  });

  test('two endpoints with one address are sent once (gRPC rejects duplicates)', { skip }, () => {
    const dup = workloadEntriesYaml({ v1: backends.v1, v2: backends.v1 });
    const snap = snapshotFrom([serviceEntryYaml(), dup, destinationRuleYaml()].join('---\n'));
    const [cla] = grpcEndpoints(snap, grpcProxy(), [DEFAULT]);
    assert.equal(cla!.endpoints!.flatMap((x) => x.lbEndpoints).length, 1);
    assertAccepted('endpoint', [cla!], TypeUrl.ClusterLoadAssignment);
  });
});

describe('generators by type URL', () => {
  test('one per xDS type; each returns what was asked for and only that', () => {
    const snap = echoSnapshot();
    const proxy = grpcProxy();
    assert.deepEqual(Object.keys(grpcGenerators).sort(), Object.values(TypeUrl).sort());
    const names = (t: string, req?: string[]): string[] =>
      grpcGenerators[t]!(snap, proxy, req).map((r) => (r as { name?: string; clusterName?: string }).name ?? (r as ClusterLoadAssignment).clusterName);
    assert.deepEqual(names(TypeUrl.Listener, [ECHO_TARGET]), [ECHO_TARGET]);
    assert.deepEqual(names(TypeUrl.RouteConfiguration, [DEFAULT]), [DEFAULT]);
    const wildcard = names(TypeUrl.RouteConfiguration);
    assert.deepEqual(wildcard, grpcListeners(snap, proxy).map((l) => {
      const [host, port] = l.name.split(':');
      return `outbound|${port}||${host}`;
    }), 'wildcard: the routes the listeners name');
    assert.deepEqual(names(TypeUrl.Cluster, [V2]), [V2]);
    assert.deepEqual(names(TypeUrl.ClusterLoadAssignment, [V2]), [V2]);
    assert.deepEqual(names(TypeUrl.Cluster).filter((n) => n.endsWith(ECHO_HOST)), [DEFAULT, V1, V2]);
    assert.deepEqual(grpcGenerators[TypeUrl.Cluster]!(snap, proxy, [V1]), grpcGenerators[TypeUrl.Cluster]!(snap, proxy, [V1]), 'pure');
    for (const t of Object.values(TypeUrl)) assert.deepEqual(grpcGenerators[t]!(snap, proxy, []), [], `${t}: subscribed to nothing`);
  });
});

describe('every example scenario, seen by a proxyless client', () => {
  const examples = ['examples/000-external-services', 'examples/001-sidecar-canary', 'examples/002-traffic-management', 'examples/003-ingress-uri-routing', 'examples/004-multicluster-gateways', 'examples/quickstart'];
  for (const dir of examples) {
    test(`${dir}: everything encodes and grpc-js-xds accepts it`, { skip }, () => {
      const snap = snapshotFrom([dir]);
      const cfg = compileGrpc(snap, grpcProxy());
      assert.ok(cfg.listeners.length > 0);
      assertEncodes(cfg.listeners, TypeUrl.Listener);
      assertEncodes(cfg.routes, TypeUrl.RouteConfiguration);
      assertEncodes(cfg.clusters, TypeUrl.Cluster);
      assertEncodes(cfg.endpoints, TypeUrl.ClusterLoadAssignment);
      assertAccepted('listener', cfg.listeners, TypeUrl.Listener);
      assertAccepted('route', cfg.routes, TypeUrl.RouteConfiguration);
      assertAccepted('cluster', cfg.clusters as Cluster[], TypeUrl.Cluster);
      assertAccepted('endpoint', cfg.endpoints, TypeUrl.ClusterLoadAssignment);
    });
  }
});
