/**
 * proxy/stats: Istio's standard metrics recorded through interned peers (one series per label
 * set, label text built once), rendered as Prometheus text with escaped label values and
 * histogram buckets; Envoy-style dotted stats with Envoy's Prometheus names and tags; `/stats`
 * text lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyStats, escapeLabelValue, renderPrometheus, renderStatsText } from '../../src/proxy/stats/index.js';

function sample(stats: ProxyStats) {
  const src = stats.istio.peer({ workload: 'proxy', namespace: 'default', principal: 'spiffe://cluster.local/ns/default/sa/default', app: 'proxy', version: 'v1', cluster: 'Kubernetes' });
  const dst = stats.istio.peer({
    workload: 'demoappv11', namespace: 'default', app: 'demoapp', version: 'v1.1', cluster: 'Kubernetes',
    service: 'demoapp.default.svc.cluster.local', serviceName: 'demoapp', serviceNamespace: 'default',
  });
  return { src, dst };
}

test('istio metrics: one series per label set, counted and bucketed', () => {
  const stats = new ProxyStats();
  const { src, dst } = sample(stats);
  // Equal labels intern to the same handle.
  assert.equal(stats.istio.peer({ workload: 'proxy', namespace: 'default', principal: 'spiffe://cluster.local/ns/default/sa/default', app: 'proxy', version: 'v1', cluster: 'Kubernetes' }), src);
  stats.recordRequest({ reporter: 'source', source: src, destination: dst, code: 200, durationMs: 3, reqBytes: 0, respBytes: 120 });
  stats.recordRequest({ reporter: 'source', source: src, destination: dst, code: 200, durationMs: 40, reqBytes: 10, respBytes: 5000 });
  stats.recordRequest({ reporter: 'source', source: src, destination: dst, code: 503, flags: 'UO', durationMs: 0.2, reqBytes: 0, respBytes: 81 });
  assert.equal(stats.istio.httpSeries().length, 2);
  const text = renderPrometheus(stats.istio);
  const lines = text.split('\n');
  assert.equal(lines.filter((l) => l === '# TYPE istio_requests_total counter').length, 1);
  const ok = lines.find((l) => l.startsWith('istio_requests_total{response_code="200"'))!;
  assert.ok(ok, text);
  assert.match(ok, /^istio_requests_total\{response_code="200",reporter="source",source_workload="proxy",source_workload_namespace="default",source_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/default",source_app="proxy",source_version="v1",source_cluster="Kubernetes",destination_workload="demoappv11",/);
  assert.match(ok, /destination_service="demoapp.default.svc.cluster.local",destination_service_name="demoapp",destination_service_namespace="default",destination_cluster="Kubernetes",request_protocol="http",response_flags="-",grpc_response_status="",connection_security_policy="unknown"/);
  assert.match(ok, /destination_principal="unknown"/);
  assert.match(ok, / 2$/);
  assert.ok(lines.some((l) => l.startsWith('istio_requests_total{response_code="503"') && l.includes('response_flags="UO"') && l.endsWith(' 1')));
  // Duration histogram: Envoy's buckets, cumulative, +Inf, sum, count.
  assert.equal(lines.filter((l) => l === '# TYPE istio_request_duration_milliseconds histogram').length, 1);
  const b = (le: string) => lines.find((l) => l.startsWith('istio_request_duration_milliseconds_bucket{response_code="200"') && l.includes(`le="${le}"`))!;
  assert.match(b('1'), / 0$/);
  assert.match(b('5'), / 1$/);
  assert.match(b('50'), / 2$/);
  assert.match(b('+Inf'), / 2$/);
  assert.ok(lines.some((l) => l.startsWith('istio_request_duration_milliseconds_sum{response_code="200"') && l.endsWith(' 43')));
  assert.ok(lines.some((l) => l.startsWith('istio_request_duration_milliseconds_count{response_code="200"') && l.endsWith(' 2')));
  assert.ok(lines.some((l) => l.startsWith('istio_response_bytes_bucket{response_code="200"') && l.includes('le="1000"') && l.endsWith(' 1')));
  assert.ok(lines.some((l) => l.startsWith('istio_request_bytes_sum{response_code="200"') && l.endsWith(' 10')));
});

test('istio metrics: label values are escaped', () => {
  const stats = new ProxyStats();
  const src = stats.istio.peer({ workload: 'we"ird\\name\nx', namespace: 'default' });
  const dst = stats.istio.peer({ workload: 'd' });
  stats.recordRequest({ reporter: 'destination', source: src, destination: dst, code: 404, flags: 'NR', durationMs: 1, reqBytes: 0, respBytes: 0 });
  const text = renderPrometheus(stats.istio);
  assert.ok(text.includes('source_workload="we\\"ird\\\\name\\nx"'), text);
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  // Every sample line is one line: the newline in the value did not break it.
  for (const l of text.trimEnd().split('\n')) assert.match(l, /^(# TYPE |istio_)/);
});

test('istio metrics: TCP connections and bytes', () => {
  const stats = new ProxyStats();
  const { src, dst } = sample(stats);
  const r = { reporter: 'source' as const, source: src, destination: dst, security: 'none' as const };
  stats.istio.tcpOpened(r);
  stats.istio.tcpOpened(r);
  stats.istio.tcpClosed(r, 100, 7);
  const text = renderPrometheus(stats.istio);
  const line = (f: string) => text.split('\n').find((l) => l.startsWith(`${f}{`))!;
  assert.match(line('istio_tcp_connections_opened_total'), / 2$/);
  assert.match(line('istio_tcp_connections_closed_total'), / 1$/);
  assert.match(line('istio_tcp_sent_bytes_total'), / 100$/);
  assert.match(line('istio_tcp_received_bytes_total'), / 7$/);
  assert.match(line('istio_tcp_sent_bytes_total'), /request_protocol="tcp"/);
  assert.match(line('istio_tcp_sent_bytes_total'), /connection_security_policy="none"/);
  assert.doesNotMatch(line('istio_tcp_sent_bytes_total'), /response_code=/);
});

test('envoy stats: dotted names, scopes reused, Prometheus names with tags', () => {
  const stats = new ProxyStats();
  const c = stats.cluster('outbound|8080|v11|demoapp.default.svc.cluster.local');
  assert.equal(stats.cluster('outbound|8080|v11|demoapp.default.svc.cluster.local'), c);
  const ok = c.counter('upstream_rq_200');
  ok.inc();
  ok.inc();
  c.counter('upstream_rq_2xx').inc(2);
  c.counter('upstream_rq_total').inc(2);
  c.gauge('upstream_rq_active').set(1);
  c.histogram('upstream_rq_time').record(12);
  stats.http('outbound_0.0.0.0_8080').counter('downstream_rq_total').inc();
  stats.listener('0.0.0.0_8080').counter('downstream_cx_total').inc();
  stats.clusterManager().counter('cds.update_success').inc();
  assert.throws(() => c.gauge('upstream_rq_200'), /is a counter/);
  const text = renderStatsText(stats.store);
  assert.ok(text.includes('cluster.outbound|8080|v11|demoapp.default.svc.cluster.local.upstream_rq_200: 2\n'), text);
  assert.ok(text.includes('http.outbound_0.0.0.0_8080.downstream_rq_total: 1\n'));
  assert.ok(text.includes('listener.0.0.0.0_8080.downstream_cx_total: 1\n'));
  assert.ok(text.includes('cluster_manager.cds.update_success: 1\n'));
  assert.match(text, /upstream_rq_time: P0\(nan,25\) .* P100\(nan,25\)\n/);
  const names = text.trimEnd().split('\n').map((l) => l.slice(0, l.indexOf(': ')));
  assert.deepEqual(names, [...names].sort(), 'sorted by name');
  assert.equal(renderStatsText(stats.store, /cluster_manager/), 'cluster_manager.cds.update_success: 1\n');
  const prom = renderPrometheus(stats.istio, stats.store);
  const cn = 'cluster_name="outbound|8080|v11|demoapp.default.svc.cluster.local"';
  assert.ok(prom.includes(`envoy_cluster_upstream_rq{response_code="200",${cn}} 2\n`), prom);
  assert.ok(prom.includes(`envoy_cluster_upstream_rq{response_code_class="2xx",${cn}} 2\n`));
  assert.ok(prom.includes(`envoy_cluster_upstream_rq_total{${cn}} 2\n`));
  assert.ok(prom.includes(`# TYPE envoy_cluster_upstream_rq_active gauge\n`));
  assert.ok(prom.includes(`envoy_cluster_upstream_rq_time_bucket{${cn},le="25"} 1\n`));
  assert.ok(prom.includes('envoy_http_downstream_rq_total{http_conn_manager_prefix="outbound_0.0.0.0_8080"} 1\n'));
  assert.ok(prom.includes('envoy_listener_downstream_cx_total{listener_address="0.0.0.0_8080"} 1\n'));
  assert.ok(prom.includes('envoy_cluster_manager_cds_update_success 1\n'));
  assert.equal(prom.split('\n').filter((l) => l === '# TYPE envoy_cluster_upstream_rq counter').length, 1);
  // Host counters for admin /clusters.
  const h = stats.host('outbound|8080|v11|demoapp.default.svc.cluster.local', '127.1.77.12:8080');
  h.rq_total++;
  assert.equal(stats.hostCountersOf('outbound|8080|v11|demoapp.default.svc.cluster.local', '127.1.77.12:8080')?.rq_total, 1);
  assert.equal(stats.hostCountersOf('x', 'y'), undefined);
});

test('envoy stats: name-based inc() finds the scope in dotted cluster names', () => {
  const stats = new ProxyStats();
  stats.inc('cluster.outbound|8080|v11|demoapp.default.svc.cluster.local.upstream_rq_retry');
  stats.inc('cluster.outbound|8080|v11|demoapp.default.svc.cluster.local.upstream_rq_retry');
  stats.inc('cluster.outbound|8080|v11|demoapp.default.svc.cluster.local.circuit_breakers.default.rq_open');
  stats.inc('http.downstream_rq_total');
  stats.inc('http.outbound_0.0.0.0_8080.downstream_rq_total');
  stats.blocked('example.com:80');
  assert.equal(stats.get('cluster.outbound|8080|v11|demoapp.default.svc.cluster.local.upstream_rq_retry'), 2);
  assert.equal(stats.get('blackhole.requests'), 1);
  assert.equal(stats.blockedHosts.get('example.com:80'), 1);
  const prom = renderPrometheus(stats.istio, stats.store);
  assert.ok(prom.includes('envoy_cluster_upstream_rq_retry{cluster_name="outbound|8080|v11|demoapp.default.svc.cluster.local"} 2\n'), prom);
  assert.ok(prom.includes('envoy_cluster_circuit_breakers_default_rq_open{cluster_name="outbound|8080|v11|demoapp.default.svc.cluster.local"} 1\n'));
  assert.ok(prom.includes('envoy_http_downstream_rq_total 1\n'));
  assert.ok(prom.includes('envoy_http_downstream_rq_total{http_conn_manager_prefix="outbound_0.0.0.0_8080"} 1\n'));
});
