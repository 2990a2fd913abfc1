/**
 * `trellis proxy-config`: istioctl's tables over the compiled config of a workload, from the
 * examples' files; -o json/yaml as the proto3 JSON of the resources; workload resolution and
 * usage errors; invalid objects reported and left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileProxy } from '../../src/compile/index.js';
import { tabulate } from '../../src/cli/proxy-config/tabwriter.js';
import { describeRouteDomains } from '../../src/cli/proxy-config/describe.js';
import { runCli } from '../helpers/cli.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';

const EX = 'examples';
/** The top-level YAML files of an example folder (its base scenario, without `steps/`). */
function base(folder: string): string[] {
  return readdirSync(join(EX, folder)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(EX, folder, f));
}
function fileArgs(files: readonly string[]): string[] {
  return files.flatMap((f) => ['-f', f]);
}
const SEED001 = base('001-sidecar-canary');
const SEED003 = base('003-ingress-uri-routing');
const SEED000 = base('000-external-services');

type Row = Record<string, string>;

/** Reads a space-aligned table back into rows keyed by the given column names. */
function parseTable(text: string, columns: readonly string[]): Row[] {
  const lines = text.split('\n').filter((l) => l !== '');
  const header = lines[0] ?? '';
  const starts: number[] = [];
  let from = 0;
  for (const c of columns) {
    const at = header.indexOf(c, from);
    assert.ok(at >= 0, `column ${c} in header ${JSON.stringify(header)}`);
    starts.push(at);
    from = at + c.length;
  }
  return lines.slice(1).map((line) => {
    const row: Row = {};
    columns.forEach((c, i) => { row[c] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim(); });
    return row;
  });
}

const ROUTE_COLUMNS = ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'];
const LISTENER_COLUMNS = ['ADDRESS', 'PORT', 'MATCH', 'DESTINATION'];
const CLUSTER_COLUMNS = ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'];
const ENDPOINT_COLUMNS = ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'];

test('tabwriter: columns padded to the widest cell plus padding, last cell as is', () => {
  assert.equal(tabulate([['A', 'BB', 'C'], ['xxx', '', '']], 5), 'A       BB     C\nxxx            \n');
  assert.equal(tabulate([['ADDRESS', 'PORT'], ['0.0.0.0', '80']], 1), 'ADDRESS PORT\n0.0.0.0 80\n');
});

test('route domains abbreviated as istioctl does', () => {
  assert.equal(describeRouteDomains(['simple.baihl.io']), 'simple.baihl.io');
  assert.equal(describeRouteDomains(['reviews.default.svc.cluster.local', 'reviews', 'reviews.default.svc', 'reviews.default', '10.0.0.1']),
    'reviews, reviews.default + 1 more...');
  assert.equal(describeRouteDomains(['a.b', 'a.b:80']), 'a.b');
});

test('seed 001: routes of proxy show 8080 → demoapp with /canary* from VirtualService demoapp.default', async () => {
  const r = await runCli(['proxy-config', 'routes', 'proxy', ...fileArgs(SEED001)]);
  assert.equal(r.code, 0, r.err);
  const rows = parseTable(r.out, ROUTE_COLUMNS);
  const demo = rows.filter((x) => x['NAME'] === '8080' && x['VHOST NAME'] === 'demoapp.default.svc.cluster.local:8080');
  assert.deepEqual(demo.map((x) => x['MATCH']), ['/canary*', '/*']);
  assert.ok(demo.every((x) => x['VIRTUAL SERVICE'] === 'demoapp.default'));
  // The allow_any passthrough route is left out, as istioctl leaves it out.
  assert.ok(!rows.some((x) => x['VHOST NAME'] === 'allow_any'));
  // --name filters route configurations.
  const only = await runCli(['pc', 'r', 'proxy', '--name', '8080', ...fileArgs(SEED001)]);
  assert.ok(parseTable(only.out, ROUTE_COLUMNS).every((x) => x['NAME'] === '8080'));
});

test('seed 001: client under the REGISTRY_ONLY Sidecar has only the 8080 listener plus the virtual listeners', async () => {
  const step = join(EX, '001-sidecar-canary', 'steps', '02-sidecar-registry-only', 'sidecar-demo.yaml');
  const r = await runCli(['proxy-config', 'listeners', 'client', ...fileArgs([...SEED001, step])]);
  assert.equal(r.code, 0, r.err);
  const rows = parseTable(r.out, LISTENER_COLUMNS);
  const outboundPorts = new Set(rows.map((x) => x['PORT']).filter((p) => p !== '15001' && p !== '15006'));
  assert.deepEqual([...outboundPorts], ['8080']);
  assert.ok(rows.some((x) => x['PORT'] === '8080' && x['DESTINATION'] === 'Route: 8080' && x['MATCH'] === 'Trans: raw_buffer; App: http/1.1,h2c'));
  assert.ok(rows.some((x) => x['PORT'] === '15001'));
  assert.ok(rows.some((x) => x['PORT'] === '15006'));
  // Nothing passes through: no PassthroughCluster destination on the outbound side.
  assert.ok(!rows.some((x) => x['PORT'] !== '15006' && x['DESTINATION'] === 'PassthroughCluster'), r.out);

  // Without the Sidecar, proxy:80 has its own listener.
  const open = await runCli(['pc', 'listeners', 'client', '--port', '80', ...fileArgs(SEED001)]);
  assert.ok(parseTable(open.out, LISTENER_COLUMNS).some((x) => x['DESTINATION'] === 'Route: 80'));
});

test('seed 003: routes of the ingress gateway show http.8080 with simple.baihl.io:80', async () => {
  const r = await runCli(['proxy-config', 'routes', 'istio-ingressgateway', '-n', 'istio-system', ...fileArgs(SEED003)]);
  assert.equal(r.code, 0, r.err);
  const rows = parseTable(r.out, ROUTE_COLUMNS).filter((x) => x['NAME'] === 'http.8080');
  const vh = rows.filter((x) => x['VHOST NAME'] === 'simple.baihl.io:80');
  assert.deepEqual(vh.map((x) => x['MATCH']).filter((m) => m.startsWith('/simple')), ['/simple/httpserver', '/simple/nginx*']);
  assert.ok(vh.every((x) => x['DOMAINS'] === 'simple.baihl.io'));
  assert.ok(vh.some((x) => x['VIRTUAL SERVICE'] === 'simple.simple'));
});

test('seed 000: clusters show outbound|80||ngx.hj.com with DestinationRule ngx-dr.default', async () => {
  const client = join(EX, '001-sidecar-canary', 'client-pod.yaml');
  const r = await runCli(['proxy-config', 'clusters', 'client', ...fileArgs([...SEED000, client])]);
  assert.equal(r.code, 0, r.err);
  const rows = parseTable(r.out, CLUSTER_COLUMNS);
  const ngx = rows.find((x) => x['SERVICE FQDN'] === 'ngx.hj.com' && x['PORT'] === '80');
  assert.ok(ngx, r.out);
  assert.equal(ngx['SUBSET'], '-');
  assert.equal(ngx['DIRECTION'], 'outbound');
  assert.equal(ngx['DESTINATION RULE'], 'ngx-dr.default');
  // Filters match substrings of the cluster name, as istioctl's do.
  const f = await runCli(['pc', 'clusters', 'client', '--fqdn', 'ngx', '--port', '80', ...fileArgs([...SEED000, client])]);
  assert.deepEqual(parseTable(f.out, CLUSTER_COLUMNS).map((x) => x['SERVICE FQDN']), ['ngx.hj.com']);
  // The STATIC endpoint of the ServiceEntry.
  const ep = await runCli(['pc', 'endpoints', 'client', '--cluster', 'outbound|80||ngx.hj.com', ...fileArgs([...SEED000, client])]);
  assert.deepEqual(parseTable(ep.out, ENDPOINT_COLUMNS).map((x) => [x['STATUS'], x['OUTLIER CHECK'], x['CLUSTER']]),
    [['HEALTHY', 'OK', 'outbound|80||ngx.hj.com']]);
});

test('a filter that matches nothing prints the header only, exit 0', async () => {
  const r = await runCli(['pc', 'clusters', 'proxy', '--fqdn', 'no-such-host', ...fileArgs(SEED001)]);
  assert.equal(r.code, 0);
  assert.equal(r.out.trim().split('\n').length, 1);
  assert.match(r.out, /^SERVICE FQDN +PORT +SUBSET +DIRECTION +TYPE +DESTINATION RULE\n$/);
});

test('-o json prints the proto3 JSON of the compiled resources; -o yaml the same data', async () => {
  const snap = snapshotFrom(SEED001);
  const expected = JSON.parse(JSON.stringify(compileProxy(snap, proxyFor(snap, 'default/proxy')))) as Record<string, unknown[]>;
  for (const [sub, key] of [['listeners', 'listeners'], ['routes', 'routes'], ['clusters', 'clusters'], ['endpoints', 'endpoints']] as const) {
    const j = await runCli(['pc', sub, 'proxy', '-o', 'json', ...fileArgs(SEED001)]);
    assert.equal(j.code, 0, j.err);
    const parsed = JSON.parse(j.out) as unknown[];
    const want = expected[key]!;
    if (sub === 'endpoints') {
      const names = (x: unknown[]) => x.map((e) => (e as { clusterName: string }).clusterName).sort();
      assert.deepEqual(names(parsed), names(want.filter((e) => ((e as { endpoints?: unknown[] }).endpoints ?? []).length > 0)));
    } else {
      assert.deepEqual(parsed, want);
    }
    const y = await runCli(['pc', sub, 'proxy', '-o', 'yaml', ...fileArgs(SEED001)]);
    assert.equal(y.code, 0, y.err);
    assert.deepEqual(parseYaml(y.out), parsed);
  }
});

test('all -o json is Envoy\'s config_dump shape; all prints the four tables', async () => {
  const r = await runCli(['pc', 'all', 'proxy', '-o', 'json', ...fileArgs(SEED001)]);
  assert.equal(r.code, 0, r.err);
  const dump = JSON.parse(r.out) as { configs: Record<string, unknown>[] };
  assert.deepEqual(dump.configs.map((c) => c['@type']), [
    'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
    'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
    'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
    'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
  ]);
  const listeners = dump.configs[2]!['dynamicListeners'] as { name: string; activeState: { listener: Record<string, unknown> } }[];
  const vo = listeners.find((l) => l.name === 'virtualOutbound');
  assert.equal(vo?.activeState.listener['@type'], 'type.googleapis.com/envoy.config.listener.v3.Listener');
  const routes = dump.configs[3]!['dynamicRouteConfigs'] as { routeConfig: Record<string, unknown> }[];
  assert.ok(routes.some((x) => x.routeConfig['name'] === '8080' && x.routeConfig['@type'] === 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'));
  const y = await runCli(['pc', 'all', 'proxy', '-o', 'yaml', ...fileArgs(SEED001)]);
  assert.deepEqual(parseYaml(y.out), dump);

  const t = await runCli(['pc', 'all', 'proxy', ...fileArgs(SEED001)]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^NAME +SERVICE FQDN +PORT/m);
  assert.match(t.out, /^NAME +ADDRESS +PORT +MATCH +DESTINATION/m);
  assert.match(t.out, /^NAME +VHOST NAME +DOMAINS/m);
  assert.match(t.out, /^NAME +STATUS +LOCALITY +CLUSTER/m);
  assert.match(t.out, /^route\/8080 +demoapp\.default\.svc\.cluster\.local:8080/m);
  assert.match(t.out, /^cluster\/outbound\|8080\|v11\|demoapp\.default\.svc\.cluster\.local +demoapp/m);
});

test('workload forms: NAME.NS, NS/NAME, replica NAME-N, built-in gateways from any namespace', async () => {
  for (const w of ['client.default', 'default/client', 'pod/client', 'demoappv10-2', 'istio-ingressgateway', 'istio-system/istio-egressgateway', 'istio-ingressgateway.istio-system']) {
    const r = await runCli(['pc', 'clusters', w, ...fileArgs(SEED001)]);
    assert.equal(r.code, 0, `${w}: ${r.err}`);
  }
});

test('unknown workload is a usage error listing the known workloads', async () => {
  const r = await runCli(['pc', 'routes', 'nosuch', ...fileArgs(SEED001)]);
  assert.equal(r.code, 2);
  assert.match(r.err, /no workload "nosuch" in namespace default/);
  assert.match(r.err, /default\/proxy/);
  assert.match(r.err, /istio-system\/istio-ingressgateway/);
  const bad = await runCli(['pc', 'routes', 'proxy', '-o', 'xml', ...fileArgs(SEED001)]);
  assert.equal(bad.code, 2);
  const none = await runCli(['pc', 'routes', 'proxy']);
  assert.equal(none.code, 2);
  const badPort = await runCli(['pc', 'clusters', 'proxy', '--port', 'x', ...fileArgs(SEED001)]);
  assert.equal(badPort.code, 2);
});

test('invalid objects are reported with file:line and left out; nothing valid left → exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-pc-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: broken
spec:
  hosts: [demoapp]
  http:
  - route:
    - destination:
        host: demoapp
      weight: -15
`);
    const r = await runCli(['pc', 'routes', 'proxy', ...fileArgs([...SEED001, bad])]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /bad\.yaml:\d+: error: VirtualService default\/broken: spec\.http\[0\]\.route\[0\]\.weight/);
    assert.match(r.out, /demoapp\.default/);
    const only = await runCli(['pc', 'routes', 'proxy', '-f', bad]);
    assert.equal(only.code, 1);
    assert.match(only.err, /no valid config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
