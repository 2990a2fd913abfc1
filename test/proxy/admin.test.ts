/**
 * proxy/admin against a RuntimeSnapshot of real compiled resources (examples/001-sidecar-canary,
 * the `proxy` workload, encoded and decoded through the Envoy protos as over ADS), served on
 * 127.0.0.1 with free ports: /ready and :15021 before and after the first snapshot, /listeners
 * in Envoy's text format (static 15090/15021 listeners first), /clusters with the hosts of
 * outbound|8080|v11|demoapp…, /config_dump as a ConfigDump, /stats and the Prometheus endpoints.
 */
import { procStatus } from '../../src/proxy/admin/memory.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { decodeResource, encodeResource } from '../../src/api/xds/index.js';
import { compileProxy } from '../../src/compile/index.js';
import { buildNode } from '../../src/proxy/bootstrap/node.js';
import { RuntimeSnapshot } from '../../src/proxy/bootstrap/runtime.js';
import { startAdminServers, renderClustersText, AdminTypeUrl } from '../../src/proxy/admin/index.js';
import { ProxyStats } from '../../src/proxy/stats/index.js';
import { makeHost } from '../../src/proxy/upstream/host.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';

const V11 = 'outbound|8080|v11|demoapp.default.svc.cluster.local';

function runtimeSnapshot(): RuntimeSnapshot {
  const snap = snapshotFrom(['examples/001-sidecar-canary']);
  const cfg = compileProxy(snap, proxyFor(snap, 'default/proxy'));
  const wire = (t: string, rs: readonly object[]) => rs.map((r) => decodeResource(t, encodeResource(r, t)));
  let s = RuntimeSnapshot.empty();
  for (const [t, rs] of [[TypeUrl.Cluster, cfg.clusters], [TypeUrl.ClusterLoadAssignment, cfg.endpoints], [TypeUrl.Listener, cfg.listeners], [TypeUrl.RouteConfiguration, cfg.routes]] as const) {
    const r = s.apply({ typeUrl: t, versionInfo: `2024-01-01T00:00:00Z/${t.slice(-8)}`, resources: wire(t, rs) });
    if (!r.ok) throw new Error(r.error);
    s = r.snapshot;
  }
  return s;
}

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') ?? '' };
}

test('admin: ready, listeners, clusters, config_dump, stats on real compiled config', { timeout: 20_000 }, async (t) => {
  const full = runtimeSnapshot();
  let current = RuntimeSnapshot.empty();
  let ready = false;
  const stats = new ProxyStats();
  const node = buildNode({ type: 'sidecar', ip: '127.0.0.1', name: 'proxy-1', namespace: 'default', labels: { app: 'proxy' } });
  const servers = await startAdminServers({
    ip: '127.0.0.1', adminPort: 0, healthPort: 0, prometheusPort: 0,
    snapshots: { current: () => current }, isReady: () => ready, stats, node,
    lastUpdated: () => ({ [TypeUrl.Cluster]: Date.UTC(2024, 0, 1, 12) }),
    staticListenerNames: { prometheus: '6a8a0b6e-c652-4edd-b5b1-3d210fb0a8ae', health: '316502d0-d131-4ea6-87f3-e7df91014c00' },
  });
  t.after(() => servers.close());

  // Before the first snapshot.
  let r = await get(servers.adminPort, '/ready');
  assert.deepEqual([r.status, r.body], [503, 'INITIALIZING\n']);
  assert.equal((await get(servers.healthPort, '/healthz/ready')).status, 503);
  r = await get(servers.adminPort, '/listeners');
  assert.equal(r.body, `6a8a0b6e-c652-4edd-b5b1-3d210fb0a8ae::127.0.0.1:${servers.prometheusPort}\n316502d0-d131-4ea6-87f3-e7df91014c00::127.0.0.1:${servers.healthPort}\n`);

  current = full;
  ready = true;
  r = await get(servers.adminPort, '/ready');
  assert.deepEqual([r.status, r.body], [200, 'LIVE\n']);
  assert.equal((await get(servers.healthPort, '/healthz/ready')).status, 200);

  // /listeners: NAME::ADDRESS:PORT, as in the guide.
  const lines = (await get(servers.adminPort, '/listeners')).body.trimEnd().split('\n');
  assert.equal(lines[0], `6a8a0b6e-c652-4edd-b5b1-3d210fb0a8ae::127.0.0.1:${servers.prometheusPort}`);
  for (const want of ['0.0.0.0_8080::0.0.0.0:8080', '0.0.0.0_80::0.0.0.0:80', 'virtualOutbound::0.0.0.0:15001', 'virtualInbound::0.0.0.0:15006']) assert.ok(lines.includes(want), `${want} in\n${lines.join('\n')}`);
  assert.equal(lines.length, 2 + full.listeners.size);
  const lj = JSON.parse((await get(servers.adminPort, '/listeners?format=json')).body);
  assert.ok(lj.listenerStatuses.some((l: { name: string; localAddress: { socketAddress: { portValue: number } } }) => l.name === '0.0.0.0_8080' && l.localAddress.socketAddress.portValue === 8080));

  // /clusters: the v11 subset's two hosts, healthy, weight 1; breaker limits; stats from the store.
  stats.host(V11, '127.1.77.12:8080').rq_total = 7;
  const cl = (await get(servers.adminPort, '/clusters')).body.split('\n');
  for (const want of [
    `${V11}::observability_name::${V11}`,
    // Istio's "no limit" thresholds for the default priority; Envoy's defaults for high.
    `${V11}::default_priority::max_connections::4294967295`,
    `${V11}::default_priority::max_retries::4294967295`,
    `${V11}::high_priority::max_requests::1024`,
    `${V11}::high_priority::max_retries::3`,
    `${V11}::added_via_api::true`,
    `${V11}::127.1.77.12:8080::cx_active::0`,
    `${V11}::127.1.77.12:8080::rq_total::7`,
    `${V11}::127.1.77.12:8080::health_flags::healthy`,
    `${V11}::127.1.77.12:8080::weight::1`,
    `${V11}::127.1.77.12:8080::region::`,
    `${V11}::127.1.77.12:8080::priority::0`,
    `${V11}::127.1.77.12:8080::success_rate::-1`,
    `${V11}::127.1.78.159:8080::health_flags::healthy`,
  ]) assert.ok(cl.includes(want), `${want} missing`);
  const hostKeys = () => cl.filter((l) => l.startsWith(`${V11}::127.1.77.12:8080::`)).map((l) => l.split('::')[2]);
  assert.deepEqual(hostKeys(), ['cx_active', 'cx_connect_fail', 'cx_total', 'rq_active', 'rq_error', 'rq_success', 'rq_timeout', 'rq_total', 'hostname', 'health_flags', 'weight', 'region', 'zone', 'sub_zone', 'canary', 'priority', 'success_rate', 'local_origin_success_rate']);
  const cj = JSON.parse((await get(servers.adminPort, '/clusters?format=json')).body);
  const v11 = cj.clusterStatuses.find((c: { name: string }) => c.name === V11);
  assert.equal(v11.hostStatuses.length, 2);

  // /config_dump: Envoy's ConfigDump with the sections in order, resources packed with @type.
  r = await get(servers.adminPort, '/config_dump');
  assert.match(r.type, /application\/json/);
  const dump = JSON.parse(r.body) as { configs: Record<string, any>[] };
  assert.deepEqual(dump.configs.map((c) => c['@type']), [
    AdminTypeUrl.BootstrapConfigDump, AdminTypeUrl.ClustersConfigDump, AdminTypeUrl.ListenersConfigDump, AdminTypeUrl.RoutesConfigDump, AdminTypeUrl.EndpointsConfigDump,
  ]);
  const [boot, cds, lds, rds, eds] = dump.configs as any[];
  assert.equal(boot.bootstrap.node.id, node.id);
  assert.equal(cds.versionInfo, full.versions[TypeUrl.Cluster]);
  assert.equal(cds.dynamicActiveClusters.length, full.clusters.size);
  const dv11 = cds.dynamicActiveClusters.find((c: any) => c.cluster.name === V11);
  assert.equal(dv11.cluster['@type'], TypeUrl.Cluster);
  assert.equal(dv11.lastUpdated, '2024-01-01T12:00:00.000Z');
  assert.equal(lds.dynamicListeners.find((l: any) => l.name === '0.0.0.0_8080').activeState.listener['@type'], TypeUrl.Listener);
  assert.ok(rds.dynamicRouteConfigs.some((x: any) => x.routeConfig.name === '8080' && x.routeConfig['@type'] === TypeUrl.RouteConfiguration));
  assert.ok(eds.dynamicEndpointConfigs.some((x: any) => x.endpointConfig.clusterName === V11));
  assert.equal(dv11.versionInfo, full.versions[TypeUrl.Cluster]);

  // /stats and Prometheus.
  stats.cluster(V11).counter('upstream_rq_200').inc();
  const src = stats.istio.peer({ workload: 'proxy', namespace: 'default' });
  const dst = stats.istio.peer({ workload: 'demoappv11', namespace: 'default', service: 'demoapp.default.svc.cluster.local' });
  stats.recordRequest({ reporter: 'source', source: src, destination: dst, code: 200, durationMs: 2, reqBytes: 0, respBytes: 10 });
  assert.equal((await get(servers.adminPort, `/stats?filter=${encodeURIComponent('upstream_rq_200$')}`)).body, `cluster.${V11}.upstream_rq_200: 1\n`);
  assert.equal((await get(servers.adminPort, '/stats?filter=(')).status, 400);
  for (const [port, path] of [[servers.prometheusPort, '/stats/prometheus'], [servers.adminPort, '/stats/prometheus'], [servers.adminPort, '/stats?format=prometheus']] as const) {
    const p = await get(port, path);
    assert.equal(p.status, 200);
    assert.match(p.type, /text\/plain; version=0.0.4/);
    assert.match(p.body, /^istio_requests_total\{response_code="200",reporter="source",source_workload="proxy",.*\} 1$/m);
    assert.ok(p.body.includes(`envoy_cluster_upstream_rq{response_code="200",cluster_name="${V11}"} 1`));
  }
  assert.equal((await get(servers.adminPort, '/nope')).status, 404);
  assert.equal((await get(servers.healthPort, '/stats/prometheus')).status, 404);
  const info = JSON.parse((await get(servers.adminPort, '/server_info')).body);
  assert.equal(info.state, 'LIVE');
  // Envoy's admin.v3.Memory fields (uint64 as strings), plus where the resident set sits.
  const mem = JSON.parse((await get(servers.adminPort, '/memory')).body);
  for (const k of ['allocated', 'heap_size', 'pageheap_unmapped', 'pageheap_free', 'total_thread_cache', 'total_physical_bytes']) assert.match(mem[k], /^\d+$/, k);
  assert.equal(mem.total_physical_bytes, String(Number(mem.total_physical_bytes)));
  assert.ok(Number(mem.total_physical_bytes) > Number(mem.heap_size) / 2);
  if (process.platform === 'linux') {
    // Private and file-backed pages add up to the resident set read a moment earlier, give or take.
    const sum = Number(mem.rss_anon) + Number(mem.rss_file);
    assert.ok(Math.abs(sum - Number(mem.total_physical_bytes)) < 16 * 2 ** 20, JSON.stringify(mem));
  }
  assert.ok(Number(mem.heap_spaces.old_space.used) > 0);
});

test('admin /memory: fields of /proc/self/status are read in bytes', () => {
  const st = procStatus('Name:\tnode\nVmRSS:\t  1024 kB\nRssAnon:\t 512 kB\nThreads:\t7\n');
  assert.deepEqual(st, { VmRSS: 1024 * 1024, RssAnon: 512 * 1024 });
});

test('admin /clusters: live hosts from the cluster manager show ejections and counters', () => {
  const s = runtimeSnapshot();
  const h = makeHost({ address: '10.0.0.1', port: 8080, weight: 3, locality: { region: 'r1', zone: 'z1' } });
  h.ejected = true;
  h.activeRequests = 2;
  const text = renderClustersText(s, { hostsOf: (c) => (c === V11 ? [h] : undefined) });
  const lines = text.split('\n');
  assert.ok(lines.includes(`${V11}::10.0.0.1:8080::health_flags::/failed_outlier_check`));
  assert.ok(lines.includes(`${V11}::10.0.0.1:8080::rq_active::2`));
  assert.ok(lines.includes(`${V11}::10.0.0.1:8080::weight::3`));
  assert.ok(lines.includes(`${V11}::10.0.0.1:8080::zone::z1`));
  assert.ok(!text.includes(`${V11}::127.1.77.12:8080`));
});
