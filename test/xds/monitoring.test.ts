/**
 * The control plane's monitoring server against a real control plane started in-process on
 * 127.0.0.1 (port 0) from a config directory, driven by a raw ADS client (no part of the server
 * mocked): /debug/syncz shows the versions sent and acked per type and a NACK with its message;
 * /debug/config_dump returns what was last sent, Envoy-shaped; /metrics carries the connected
 * proxies, pushes, push and convergence times, NACKs and config errors with values that match
 * what the client did; /ready and the error answers. Plus the pure proxy lookup. Bounded in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { findProxy } from '../../src/xds/monitoring/syncz.js';
import type { SyncStatus } from '../../src/xds/monitoring/syncz.js';
import { AdminTypeUrl, configFromDump } from '../../src/xds/monitoring/config-dump.js';
import { AdsTestClient, eventually, getJson, httpGet, names, serviceEntry, startTestControlPlane } from './monitoring-fixtures.js';

const CDS = TypeUrl.Cluster;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.RouteConfiguration;
const EDS = TypeUrl.ClusterLoadAssignment;
const NODE = { id: 'sidecar~10.0.0.1~client-0.default~default.svc.cluster.local', metadata: { NAMESPACE: 'default' } };
const CLUSTER_A = 'outbound|80||a.example.com';

/** A client that got and answered CDS, EDS (a), LDS (ACKed) and RDS 80 (NACKed). */
async function connected(t: { after(fn: () => unknown): void }) {
  const tcp = await startTestControlPlane(t, { 'a.yaml': serviceEntry('a', 'a.example.com', 80) });
  const client = new AdsTestClient(t, tcp.xds, NODE);
  const cds = await client.request(CDS);
  client.ack(cds);
  const eds = await client.request(EDS, [CLUSTER_A]);
  client.ack(eds);
  const lds = await client.request(LDS);
  client.ack(lds);
  const rds = await client.request(RDS, ['80']);
  client.nack(rds, 'route 80: unknown cluster (test)');
  // The answers are in once the server records the NACK.
  await eventually(async () => {
    const s = await getJson<SyncStatus[]>(tcp.monitoring, '/debug/syncz');
    return s[0]?.resources[RDS]?.lastError !== undefined && s[0]?.endpoint_acked !== undefined ? s : undefined;
  }, 'the ACKs and the NACK to be recorded');
  return { tcp, client, cds, eds, lds, rds };
}

test('monitoring: /debug/syncz shows per proxy and type the version sent and acked, and a NACK with its message', { timeout: 30_000 }, async (t) => {
  const { tcp, cds, eds, lds, rds } = await connected(t);
  const r = await httpGet(tcp.monitoring, '/debug/syncz');
  assert.equal(r.status, 200);
  assert.match(r.type, /application\/json/);
  const list = JSON.parse(r.body) as SyncStatus[];
  assert.equal(list.length, 1);
  const s = list[0]!;
  // Istio's fields
  assert.equal(s.proxy, 'client-0.default', "Istio's proxy id, POD.NAMESPACE");
  assert.equal(s.cluster_id, 'Kubernetes');
  assert.equal(s.proxy_type, 'sidecar');
  assert.equal(s.istio_version, '0.0.0-test');
  assert.equal(s.cluster_sent, cds.versionInfo);
  assert.equal(s.cluster_acked, cds.versionInfo);
  assert.equal(s.endpoint_sent, eds.versionInfo);
  assert.equal(s.endpoint_acked, eds.versionInfo);
  assert.equal(s.listener_sent, lds.versionInfo);
  assert.equal(s.listener_acked, lds.versionInfo);
  assert.equal(s.route_sent, rds.versionInfo);
  assert.equal(s.route_acked, undefined, 'a NACK acks nothing');
  // per type detail
  const route = s.resources[RDS]!;
  assert.equal(route.sent, rds.versionInfo);
  assert.equal(route.lastError, 'route 80: unknown cluster (test)');
  assert.deepEqual({ ...route.lastNack, time: '' }, { version: rds.versionInfo, nonce: rds.nonce, message: 'route 80: unknown cluster (test)', code: 3, time: '' });
  assert.ok(!Number.isNaN(Date.parse(route.lastNack!.time)));
  assert.deepEqual(route.subscribed, ['80']);
  assert.equal(route.nonceSent, rds.nonce);
  assert.equal(s.resources[CDS]!.subscribed, '*');
  assert.equal(s.resources[CDS]!.sentCount, cds.resources!.length);
  assert.equal(s.resources[CDS]!.lastError, undefined);
  assert.ok(!Number.isNaN(Date.parse(s.resources[CDS]!.sentTime!)));
  // Trellis's additions
  assert.equal(s.node_id, NODE.id);
  assert.match(s.connection_id, /^sidecar~10\.0\.0\.1~client-0\.default~default\.svc\.cluster\.local-\d+$/);
  assert.equal(s.delta, false);
  assert.equal(s.snapshot_version, tcp.cp.snapshot().version);

  // ?namespace filters, ?pretty indents
  assert.deepEqual(await getJson(tcp.monitoring, '/debug/syncz?namespace=other'), []);
  assert.equal((await getJson<SyncStatus[]>(tcp.monitoring, '/debug/syncz?namespace=default')).length, 1);
  assert.match((await httpGet(tcp.monitoring, '/debug/syncz?pretty')).body, /^\[\n {2}\{\n {4}"cluster_id"/);
});

test('monitoring: a NACK stops standing once a newer version is sent and acked', { timeout: 30_000 }, async (t) => {
  const { tcp, client, rds } = await connected(t);
  tcp.write('b.yaml', serviceEntry('b', 'b.example.com', 80, '10.1.0.2'));
  const pushed = await client.ackAll('the pushes after adding b.yaml');
  const newRds = pushed.find((r) => r.typeUrl === RDS);
  assert.ok(newRds, `an RDS push (got ${pushed.map((r) => r.typeUrl).join(', ')})`);
  const s = await eventually(async () => {
    const x = (await getJson<SyncStatus[]>(tcp.monitoring, '/debug/syncz'))[0];
    return x?.route_acked === newRds.versionInfo ? x : undefined;
  }, 'the new RDS version to be acked');
  assert.equal(s.route_sent, newRds.versionInfo);
  assert.equal(s.resources[RDS]!.lastError, undefined);
  assert.equal(s.resources[RDS]!.lastNack!.version, rds.versionInfo);
});

test('monitoring: /debug/config_dump returns what was last sent to a proxy, Envoy-shaped', { timeout: 30_000 }, async (t) => {
  const { tcp, cds, eds, lds, rds } = await connected(t);
  const dump = await getJson<{ configs: Record<string, unknown>[] }>(tcp.monitoring, '/debug/config_dump?proxyID=client-0.default&include_eds');
  assert.deepEqual(dump.configs.map((c) => c['@type']), [
    AdminTypeUrl.ClustersConfigDump, AdminTypeUrl.EndpointsConfigDump, AdminTypeUrl.ListenersConfigDump, AdminTypeUrl.RoutesConfigDump,
  ]);
  const [clusters, endpoints, listeners, routes] = dump.configs as [
    { versionInfo: string; dynamicActiveClusters: { versionInfo: string; cluster: { '@type': string; name: string } }[] },
    { dynamicEndpointConfigs: { endpointConfig: { clusterName: string } }[] },
    { dynamicListeners: { name: string; activeState: { versionInfo: string; listener: { name: string } } }[] },
    { dynamicRouteConfigs: { versionInfo: string; routeConfig: { name: string }; errorState?: { details: string; versionInfo: string } }[] },
  ];
  assert.equal(clusters.versionInfo, cds.versionInfo);
  assert.deepEqual(clusters.dynamicActiveClusters.map((c) => c.cluster.name), names(cds));
  assert.equal(clusters.dynamicActiveClusters[0]!.cluster['@type'], CDS);
  assert.deepEqual(endpoints.dynamicEndpointConfigs.map((e) => e.endpointConfig.clusterName), names(eds));
  assert.deepEqual(listeners.dynamicListeners.map((l) => l.name), names(lds));
  assert.equal(listeners.dynamicListeners[0]!.activeState.versionInfo, lds.versionInfo);
  assert.deepEqual(routes.dynamicRouteConfigs.map((r) => r.routeConfig.name), ['80']);
  assert.deepEqual(routes.dynamicRouteConfigs[0]!.errorState && { ...routes.dynamicRouteConfigs[0]!.errorState, lastUpdateAttempt: undefined },
    { details: 'route 80: unknown cluster (test)', versionInfo: rds.versionInfo, lastUpdateAttempt: undefined }, 'a NACKed type carries Envoy\'s errorState');
  // the way back gives the resources as sent, without @type
  const back = configFromDump(dump);
  assert.deepEqual(back.clusters.map((c) => c.name), names(cds));
  assert.deepEqual(back.routes, (rds.resources as Record<string, unknown>[]).map(({ '@type': _t, ...r }) => r));

  // EDS only with include_eds (istiod and Envoy leave it out by default); any unique id form works
  const noEds = await getJson<{ configs: Record<string, unknown>[] }>(tcp.monitoring, `/debug/config_dump?proxyID=${encodeURIComponent(NODE.id)}`);
  assert.deepEqual(noEds.configs.map((c) => c['@type']), [AdminTypeUrl.ClustersConfigDump, AdminTypeUrl.ListenersConfigDump, AdminTypeUrl.RoutesConfigDump]);
  assert.equal((await httpGet(tcp.monitoring, '/debug/config_dump?proxyID=client-0')).status, 200, 'a part of the node id shared by one proxy');

  const none = await httpGet(tcp.monitoring, '/debug/config_dump');
  assert.equal(none.status, 400);
  assert.match(none.body, /proxyID/);
  const unknown = await httpGet(tcp.monitoring, '/debug/config_dump?proxyID=nobody.default');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /not connected .*"nobody\.default"; connected: client-0\.default/);
});

/** The value of one sample line (`name{labels} value`) in Prometheus text. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

test('monitoring: /metrics counts connected proxies, pushes, NACKs, config errors; push and convergence histograms', { timeout: 30_000 }, async (t) => {
  const { tcp, client } = await connected(t);
  const m1 = await httpGet(tcp.monitoring, '/metrics');
  assert.equal(m1.status, 200);
  assert.match(m1.type, /^text\/plain; version=0\.0\.4/);
  const text = m1.body;
  assert.match(text, /# TYPE pilot_xds gauge/);
  assert.equal(sample(text, 'pilot_xds'), 1);
  for (const type of ['cds', 'eds', 'lds', 'rds']) {
    assert.equal(sample(text, `pilot_xds_pushes{type="${type}"}`), 1, `one ${type} response sent`);
    assert.equal(sample(text, `pilot_xds_push_time_count{type="${type}"}`), 1);
    assert.ok(sample(text, `pilot_xds_push_time_sum{type="${type}"}`)! >= 0);
  }
  assert.match(text, /# TYPE pilot_xds_push_time histogram/);
  assert.equal(sample(text, 'pilot_total_xds_rejects{type="rds"}'), 1);
  assert.equal(sample(text, 'pilot_total_xds_rejects{type="cds"}'), 0);
  assert.equal(sample(text, 'trellis_config_errors'), 0);
  assert.equal(sample(text, 'pilot_proxy_convergence_time_count'), 0, 'no config change yet');
  assert.match(text, /^process_resident_memory_bytes \d+/m);

  // A change, answered by the client: debounce, per-proxy and round convergence are observed.
  tcp.write('b.yaml', serviceEntry('b', 'b.example.com', 80, '10.1.0.2'));
  await client.ackAll('the pushes after adding b.yaml');
  const m2 = await eventually(async () => {
    const x = (await httpGet(tcp.monitoring, '/metrics')).body;
    return (sample(x, 'trellis_push_convergence_time_count') ?? 0) >= 1 ? x : undefined;
  }, 'a converged push round');
  assert.ok(sample(m2, 'pilot_proxy_convergence_time_count')! >= 1);
  const conv = sample(m2, 'pilot_proxy_convergence_time_sum')!;
  assert.ok(conv > 0 && conv < 10, `convergence ${conv}s`);
  assert.ok(sample(m2, 'pilot_debounce_time_count')! >= 1);
  assert.ok(sample(m2, 'pilot_xds_pushes{type="cds"}')! >= 2, 'the new cluster was pushed');

  // An invalid file is a config error while it stands.
  tcp.write('bad.yaml', serviceEntry('bad', 'bad.example.com', 99999));
  await eventually(async () => (sample((await httpGet(tcp.monitoring, '/metrics')).body, 'trellis_config_errors') === 1 ? true : undefined), 'trellis_config_errors 1');
  tcp.write('bad.yaml', serviceEntry('bad', 'bad.example.com', 8080));
  await eventually(async () => (sample((await httpGet(tcp.monitoring, '/metrics')).body, 'trellis_config_errors') === 0 ? true : undefined), 'trellis_config_errors back to 0');

  // The client leaves: no proxy connected.
  client.close();
  await eventually(async () => (sample((await httpGet(tcp.monitoring, '/metrics')).body, 'pilot_xds') === 0 ? true : undefined), 'pilot_xds 0');
});

test('monitoring: each control plane has its own registry', { timeout: 30_000 }, async (t) => {
  const { tcp } = await connected(t);
  const other = await startTestControlPlane(t, {});
  assert.equal(sample((await httpGet(tcp.monitoring, '/metrics')).body, 'pilot_xds'), 1);
  const otherText = (await httpGet(other.monitoring, '/metrics')).body;
  assert.equal(sample(otherText, 'pilot_xds'), 0);
  assert.equal(sample(otherText, 'pilot_xds_pushes{type="cds"}'), 0);
});

test('monitoring: /ready, /debug, unknown paths and methods', { timeout: 30_000 }, async (t) => {
  const tcp = await startTestControlPlane(t, {});
  const ready = await httpGet(tcp.monitoring, '/ready');
  assert.equal(ready.status, 200);
  assert.equal(ready.body, 'ready\n');
  const list = await getJson<Record<string, string>>(tcp.monitoring, '/debug');
  assert.deepEqual(Object.keys(list).sort(), ['/debug/config_dump', '/debug/syncz', '/metrics', '/ready']);
  assert.equal((await httpGet(tcp.monitoring, '/nope')).status, 404);
  assert.deepEqual(await getJson(tcp.monitoring, '/debug/syncz'), []);
  const post = await new Promise<number>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const [host, port] = tcp.monitoring.split(':');
      const req = request({ host, port: Number(port), path: '/debug/syncz', method: 'POST' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    }, reject);
  });
  assert.equal(post, 405);
  await tcp.cp.close();
  await assert.rejects(httpGet(tcp.monitoring, '/ready', 2000), 'closing the control plane closes the monitoring server');
});

test('findProxy: node id, then POD.NAMESPACE, then a unique part; newest connection wins; no guessing', () => {
  const a1 = { id: 'sidecar~10.0.0.1~a-0.default~default.svc.cluster.local', n: 1 };
  const a2 = { id: 'sidecar~10.0.0.1~a-0.default~default.svc.cluster.local', n: 2 };
  const b = { id: 'sidecar~10.0.0.2~b-0.default~default.svc.cluster.local', n: 3 };
  const ab = { id: 'sidecar~10.0.0.3~a-0.default-x~default.svc.cluster.local', n: 4 };
  const items = [a1, a2, b, ab];
  assert.deepEqual(findProxy(items, a1.id), { found: a2 });
  assert.deepEqual(findProxy(items, 'a-0.default'), { found: a2 }, 'exact POD.NS beats the longer id that contains it');
  assert.deepEqual(findProxy(items, 'b-0'), { found: b });
  assert.deepEqual(findProxy(items, '10.0.0'), { ambiguous: [a1.id, b.id, ab.id] });
  assert.deepEqual(findProxy(items, 'zzz'), { missing: true, connected: [a1.id, b.id, ab.id] });
});
