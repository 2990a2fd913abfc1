/**
 * proxy/bootstrap without a network: the node identity agrees with what the control plane
 * parses (model/proxy.ts proxyFromNode); the runtime snapshot accepts everything the compiler
 * emits for every example workload (after an encode → decode through the Envoy protos, as it
 * arrives over ADS), applies SotW semantics per type, refuses bad updates as a whole with a
 * NACK reason while the previous snapshot stays intact, and reports warming; the reconnect
 * backoff is Envoy's jittered exponential one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { decodeResource, encodeResource } from '../../src/api/xds/index.js';
import { compileProxy } from '../../src/compile/index.js';
import { proxyForWorkload, proxyFromNode } from '../../src/model/proxy.js';
import { buildNode, parseLabels } from '../../src/proxy/bootstrap/node.js';
import { RuntimeSnapshot } from '../../src/proxy/bootstrap/runtime.js';
import { Backoff } from '../../src/proxy/bootstrap/clock.js';
import { decodeEnvelope, decodeResources } from '../../src/proxy/bootstrap/wire.js';
import { loadWireDecoder } from '../../src/api/xds/wire-decode.js';
import { encodeMessage } from '../../src/api/xds/index.js';
import { matchRoute } from '../../src/proxy/router/index.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { snapshotFrom } from '../helpers/snapshot.js';

const LDS = TypeUrl.Listener;
const RDS = TypeUrl.RouteConfiguration;
const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

test('node: Istio id and metadata, read back by the control plane as the same proxy', () => {
  const node = buildNode({
    type: 'sidecar', ip: '127.1.0.5', name: 'proxy-1', namespace: 'default', labels: { app: 'proxy', version: 'v1' },
    serviceAccount: 'proxy-sa', workloadName: 'proxy', outbound: 'transparent',
  });
  assert.equal(node.id, 'sidecar~127.1.0.5~proxy-1.default~default.svc.cluster.local');
  assert.equal(node.cluster, 'proxy.default');
  assert.equal(node.metadata!['GENERATOR'], undefined);
  const p = proxyFromNode(node.id!, node.metadata!);
  assert.deepEqual(p, {
    id: node.id, type: 'sidecar', ip: '127.1.0.5', podName: 'proxy-1', namespace: 'default', labels: { app: 'proxy', version: 'v1' },
    workloadName: 'proxy', serviceAccount: 'proxy-sa', clusterId: 'Kubernetes', network: '', interceptionMode: 'REDIRECT',
  });
  const explicit = buildNode({ type: 'sidecar', ip: '127.1.0.6', name: 'c', namespace: 'ns1', outbound: 'explicit' });
  assert.equal(proxyFromNode(explicit.id!, explicit.metadata!).interceptionMode, 'NONE');
  assert.equal(proxyFromNode(explicit.id!, explicit.metadata!).serviceAccount, 'default');
  const gw = buildNode({ type: 'router', ip: '127.0.0.9', name: 'istio-ingressgateway-1', namespace: 'istio-system', labels: parseLabels('istio=ingressgateway, app=istio-ingressgateway') });
  assert.equal(gw.id, 'router~127.0.0.9~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local');
  const gp = proxyFromNode(gw.id!, gw.metadata!);
  assert.equal(gp.type, 'router');
  assert.deepEqual(gp.labels, { istio: 'ingressgateway', app: 'istio-ingressgateway' });
  // The node survives the wire (metadata is a Struct).
  const back = decodeResource('type.googleapis.com/envoy.config.core.v3.Node', encodeMessage('envoy.config.core.v3.Node', node));
  assert.deepEqual(proxyFromNode(String(back.id), back.metadata as Record<string, unknown>), p);
  // Same identity as the control plane gives the registry workload.
  const snap = snapshotFrom(['examples/001-sidecar-canary']);
  const w = snap.registry.workloads.find((x) => x.name === 'proxy')!;
  const wn = buildNode({ type: 'sidecar', ip: w.address, name: w.podName, namespace: w.namespace, labels: w.labels, serviceAccount: w.serviceAccount, workloadName: w.name });
  const fromNode = proxyFromNode(wn.id!, wn.metadata!);
  assert.deepEqual({ ...fromNode, network: '' }, { ...proxyForWorkload(w, snap), network: '' });
  assert.throws(() => parseLabels('a=b,c'), /expected KEY=VALUE/);
});

/** Resources as the proxy receives them: encoded with the Envoy protos and decoded back. */
function wire(typeUrl: string, rs: readonly object[]): object[] {
  return rs.map((r) => decodeResource(typeUrl, encodeResource(r, typeUrl)));
}

function applyAll(s: RuntimeSnapshot, updates: [string, object[]][]): RuntimeSnapshot {
  for (const [typeUrl, resources] of updates) {
    const r = s.apply({ typeUrl, versionInfo: `v-${typeUrl.slice(-8)}`, resources });
    if (!r.ok) throw new Error(`${typeUrl}: ${r.error}`);
    s = r.snapshot;
  }
  return s;
}

test('runtime: accepts what the compiler emits for every example workload', () => {
  const dirs = readdirSync(join(REPO_ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join('examples', d.name));
  let proxies = 0;
  for (const dir of dirs) {
    const snap = snapshotFrom([dir]);
    for (const w of snap.registry.workloads) {
      if (!w.sidecar && w.kind !== 'Gateway') continue;
      const cfg = compileProxy(snap, proxyForWorkload(w, snap));
      const where = `${dir} ${w.namespace}/${w.podName}`;
      let s = RuntimeSnapshot.empty();
      assert.doesNotThrow(() => {
        s = applyAll(s, [[CDS, wire(CDS, cfg.clusters)], [EDS, wire(EDS, cfg.endpoints)], [LDS, wire(LDS, cfg.listeners)], [RDS, wire(RDS, cfg.routes)]]);
      }, where);
      assert.equal(s.listeners.size, cfg.listeners.length, where);
      assert.deepEqual(s.warming(), { clusters: [], routes: [] }, where);
      proxies++;
    }
  }
  assert.ok(proxies >= 10, `checked ${proxies} proxies`);
});

function cluster(name: string, extra: object = {}): object {
  return { '@type': CDS, name, type: 'EDS', edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } }, ...extra };
}
function cla(name: string, ip = '10.0.0.1'): object {
  return { '@type': EDS, clusterName: name, endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: ip, portValue: 8080 } } } }] }] };
}
function hcmListener(name: string, port: number, route: string, extraFilters: object[] = []): object {
  return {
    '@type': LDS, name, address: { socketAddress: { address: '0.0.0.0', portValue: port } },
    filterChains: [{
      filters: [...extraFilters, {
        name: 'envoy.filters.network.http_connection_manager',
        typedConfig: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          statPrefix: name, rds: { configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName: route },
          httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        },
      }],
    }],
  };
}
function routeConfig(name: string, cluster: string, prefix = '/'): object {
  return { '@type': RDS, name, virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix }, route: { cluster } }] }] };
}

test('runtime: SotW per type, pruning, warming, and whole-response rejection', () => {
  const s0 = RuntimeSnapshot.empty();
  const r1 = s0.apply({ typeUrl: CDS, versionInfo: '1', resources: wire(CDS, [cluster('a'), cluster('b', { edsClusterConfig: { edsConfig: { ads: {} }, serviceName: 'b-svc' } })]) });
  assert.ok(r1.ok);
  const s1 = r1.snapshot;
  assert.deepEqual(s1.edsNames(), ['a', 'b-svc']);
  assert.deepEqual(s1.warming(), { clusters: ['a', 'b-svc'], routes: [] });
  assert.equal(s0.clusters.size, 0, 'the previous snapshot is untouched');
  const s2 = (s1.apply({ typeUrl: EDS, versionInfo: 'e1', resources: wire(EDS, [cla('a'), cla('b-svc')]) }) as { snapshot: RuntimeSnapshot }).snapshot;
  assert.ok(s2.isWarm());
  assert.equal(s2.loadAssignmentFor('b')?.clusterName, 'b-svc');
  // EDS responses carry only what they name: the other assignment stays.
  const s3 = (s2.apply({ typeUrl: EDS, versionInfo: 'e2', resources: wire(EDS, [cla('a', '10.0.0.9')]) }) as { snapshot: RuntimeSnapshot }).snapshot;
  assert.equal(s3.endpoints.size, 2);
  assert.equal(s3.endpoints.get('a')!.endpoints![0]!.lbEndpoints[0]!.endpoint.address.socketAddress!.address, '10.0.0.9');
  assert.deepEqual(s3.versions, { [CDS]: '1', [EDS]: 'e2' });
  // CDS is the whole set: b goes, and with it its assignment.
  const s4 = (s3.apply({ typeUrl: CDS, versionInfo: '2', resources: wire(CDS, [cluster('a')]) }) as { snapshot: RuntimeSnapshot }).snapshot;
  assert.deepEqual([...s4.clusters.keys()], ['a']);
  assert.deepEqual([...s4.endpoints.keys()], ['a']);
  // Listeners, then their routes; the route table is compiled once.
  const s5 = (s4.apply({ typeUrl: LDS, versionInfo: 'l1', resources: wire(LDS, [hcmListener('0.0.0.0_8080', 8080, '8080')]) }) as { snapshot: RuntimeSnapshot }).snapshot;
  assert.deepEqual(s5.warming(), { clusters: [], routes: ['8080'] });
  const s6 = (s5.apply({ typeUrl: RDS, versionInfo: 'r1', resources: wire(RDS, [routeConfig('8080', 'a')]) }) as { snapshot: RuntimeSnapshot }).snapshot;
  assert.ok(s6.isWarm());
  const hit = matchRoute(s6.routes.get('8080')!.table, { method: 'GET', authority: 'x', path: '/p', headers: {} });
  assert.equal(hit.route?.route?.cluster, 'a');
  const hcm = s6.listeners.get('0.0.0.0_8080')!.listener.filterChains![0]!.filters[0]!.typedConfig as never;
  assert.equal(s6.routeTableFor(hcm), s6.routes.get('8080')!.table);

  const reject = (typeUrl: string, resources: object[], re: RegExp, encode = true): void => {
    const r = s6.apply({ typeUrl, versionInfo: 'bad', resources: encode ? wire(typeUrl, resources) : resources });
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, re);
  };
  reject(RDS, [routeConfig('8080', 'a', '/')].map((rc) => ({ ...rc, virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { safeRegex: { regex: '/(?=x)' } }, route: { cluster: 'a' } }] }] })), /route configuration 8080: .*invalid RE2 regex "\/\(\?=x\)"/);
  reject(RDS, [{ ...routeConfig('8080', 'a'), virtualHosts: [{ name: 'v1', domains: ['a.com'] }, { name: 'v2', domains: ['A.com'] }] }], /duplicate entry of domain A\.com/);
  reject(CDS, [cluster('a'), cluster('a')], /duplicate cluster a found/);
  reject(LDS, [hcmListener('l', 80, 'r', [{ name: 'envoy.filters.network.rbac', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC', statPrefix: 'x' } }])],
    /listener l: filter_chains\[0\]\.filters\[0\] envoy\.filters\.network\.rbac: unsupported network filter type type\.googleapis\.com\/envoy\.extensions\.filters\.network\.rbac\.v3\.RBAC/, false);
  reject(LDS, [{ ...hcmListener('l', 80, 'r'), listenerFilters: [{ name: 'envoy.filters.listener.original_src', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_src.v3.OriginalSrc' } }] }],
    /listener l: listener_filters\[0\] envoy\.filters\.listener\.original_src: unsupported listener filter type .*OriginalSrc/);
  reject(CDS, [{ '@type': CDS, name: 'od', type: 'ORIGINAL_DST', lbPolicy: 'LEAST_REQUEST' }], /only CLUSTER_PROVIDED/);
  reject(EDS, [{ '@type': EDS, clusterName: 'a', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1' } } } }] }] }], /has no port/);
  // The failed applies left s6 as it was.
  assert.deepEqual(s6.versions, { [CDS]: '2', [EDS]: 'e2', [LDS]: 'l1', [RDS]: 'r1' });
  // Dropping the listener drops its route.
  const s7 = (s6.apply({ typeUrl: LDS, versionInfo: 'l2', resources: [] }) as { snapshot: RuntimeSnapshot }).snapshot;
  assert.equal(s7.routes.size, 0);
});

test('wire: a resource that does not decode is named; envelopes keep resources packed', async () => {
  const decoder = await loadWireDecoder();
  const bytes = encodeMessage('envoy.service.discovery.v3.DiscoveryResponse', {
    versionInfo: 'v1', typeUrl: CDS, nonce: 'n1', resources: [cluster('a')], controlPlane: { identifier: 'cp-1' },
  });
  const env = decodeEnvelope(bytes);
  assert.equal(env.versionInfo, 'v1');
  assert.equal(env.nonce, 'n1');
  assert.equal(env.controlPlane, 'cp-1');
  assert.equal(env.resources.length, 1);
  const ok = decodeResources(decoder, CDS, env.resources);
  assert.ok('resources' in ok && (ok.resources[0] as { name: string }).name === 'a');
  const bad = decodeResources(decoder, CDS, [...env.resources, { typeUrl: CDS, value: Uint8Array.from([0x0a, 0x7f, 0x01]) }]);
  assert.match((bad as { error: string }).error, /^resource 1 \(.*Cluster\): cannot decode .*Cluster: length 127 runs past the end of its message .* at byte 1 in field name$/);
  assert.match((decodeResources(decoder, LDS, env.resources) as { error: string }).error, /resource 0: type .*Cluster in a .*Listener response/);
  assert.throws(() => decodeEnvelope(bytes.subarray(0, bytes.length - 1)), /^WireError: cannot decode envoy\.service\.discovery\.v3\.DiscoveryResponse: .* at byte \d+/);
});

test('backoff: jittered exponential, capped at 30 s, reset', () => {
  let r = 0.5;
  const b = new Backoff(() => r);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [250, 500, 1000, 2000]);
  for (let i = 0; i < 10; i++) b.next();
  assert.equal(b.ceiling(), 30_000);
  r = 0.999;
  assert.equal(b.next(), 29_970);
  b.reset();
  r = 0;
  assert.equal(b.next(), 0);
  assert.equal(b.ceiling(), 1000);
});
