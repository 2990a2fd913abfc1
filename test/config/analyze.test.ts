/**
 * Cross-object analysis (`trellis analyze`): one test that finds each problem and one that
 * stays quiet on good config, per check. Realistic inputs come from Istio's analyzer fixtures in
 * ../shared (expected results from istio/istio pkg/config/analysis/analyzers/analyzers_test.go);
 * small inline YAML covers what the fixtures do not, or what they cannot since some of their
 * objects are not valid Kubernetes (Pods without images, ClusterIP Services with nodePorts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTexts } from '../../src/config/load.js';
import { analyze } from '../../src/config/analyze/index.js';
import type { AnalysisMessage } from '../../src/config/analyze/message.js';
import { main } from '../../src/cli/main.js';
import { deployment, fixture, origins, runFixture, runYaml, service } from '../helpers/analyze.js';

// ---- 1. VirtualService destination hosts and subsets (IST0101, IST0112) -------------------------

const destHosts = fixture('virtualservice_destinationhosts.yaml');
test('VS destinations: unknown, invisible or port-less hosts are IST0101 (Istio fixture)', { skip: destHosts.skip }, () => {
  const msgs = runFixture(destHosts.path);
  const notFound = origins(msgs, 'IST0101', /^Referenced (mirror )?host(:port)? not found/);
  for (const o of ['default/reviews-bookinfo-other', 'default/reviews-mirror-bogushost', 'default/reviews-bogusport',
    'istio-system/cross-namespace-details', 'hello/hello-export-to-bogus']) {
    assert.ok(notFound.includes(`VirtualService ${o}`), `${o} should be reported; got ${notFound.join(', ')}`);
  }
  for (const o of ['default/reviews', 'default/reviews-fqdn', 'default/reviews-external', 'default/reviews-bookinfo-eu',
    'default/reviews-bookinfo-eu-wildcard', 'default/reviews-mirror', 'istio-system/cross-namespace', 'banana/banana-details',
    'hello1/hello', 'hello2/hello', 'hello/hello', 'default/vs-to-extporto-serviceentry']) {
    assert.ok(!notFound.includes(`VirtualService ${o}`), `${o} should not be reported`);
  }
  const m = msgs.find((x) => x.origin === 'VirtualService default/reviews-bogusport' && x.message.includes('host:port'))!;
  assert.equal(m.message, 'Referenced host:port not found: "reviews:999"');
  assert.match(m.reference, /virtualservice_destinationhosts\.yaml:\d+$/);
});

const destRules = fixture('virtualservice_destinationrules.yaml');
test('VS destinations: subsets no DestinationRule defines are IST0101 (Istio fixture)', { skip: destRules.skip }, () => {
  const msgs = runFixture(destRules.path);
  assert.deepEqual(origins(msgs, 'IST0101', /\+subset in destinationrule not found/),
    ['VirtualService default/reviews-bogussubset', 'VirtualService default/reviews-mirror-bogussubset']);
  assert.ok(msgs.some((m) => m.message === 'Referenced mirror+subset in destinationrule not found: "reviews+bogus"'));
});

test('VS destinations: tcp/tls routes, NAME.NAMESPACE hosts, ports and subsets', () => {
  const base = service('reviews', 'bookinfo', { app: 'reviews' }, [9080]) + service('db', 'bookinfo', { app: 'db' }, [3306, 3307]) + `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: web}
spec:
  hosts: [front.example.com]
  http:
  - route: [{destination: {host: reviews.bookinfo, subset: v1}}]
  tcp:
  - route: [{destination: {host: db.bookinfo.svc.cluster.local, port: {number: 3306}}}]
`;
  assert.deepEqual(runYaml(base).filter((m) => m.origin.startsWith('VirtualService')), []);
  const bad = runYaml(base.replace('subset: v1}', 'subset: v2}').replace('port: {number: 3306}', 'port: {number: 5432}') + `
  tls:
  - match: [{port: 443, sniHosts: [front.example.com]}]
    route: [{destination: {host: missing.bookinfo.svc.cluster.local}}]
`);
  assert.deepEqual(bad.filter((m) => m.origin === 'VirtualService web/front').map((m) => m.message).sort(), [
    'Referenced host not found: "missing.bookinfo.svc.cluster.local"',
    'Referenced host+subset in destinationrule not found: "reviews.bookinfo+v2"',
    'Referenced host:port not found: "db.bookinfo.svc.cluster.local:5432"',
  ]);
  const noPort = runYaml(base.replace(', port: {number: 3306}', ''));
  assert.deepEqual(origins(noPort, 'IST0112'), ['VirtualService web/front']);
});

// ---- 2. VirtualService gateways (IST0101, IST0132) ---------------------------------------------

const gwVs = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: edge}
spec:
  hosts: [shop.example.com]
  gateways: [GATEWAYS]
  http: [{route: [{destination: {host: istio-ingressgateway.istio-system.svc.cluster.local, port: {number: 80}}}]}]
`;
test('VS gateways: every form of reference to an existing gateway, and mesh, is accepted', () => {
  const msgs = runYaml(gwVs.replace('GATEWAYS', 'public, edge/public, public.edge.svc.cluster.local, mesh'));
  assert.deepEqual(msgs.filter((m) => m.origin === 'VirtualService edge/shop'), []);
});

test('VS gateways: a missing gateway is IST0101; a gateway not serving the host is IST0132', () => {
  const msgs = runYaml(gwVs.replace('GATEWAYS', 'bogus, other/public, mesh'));
  assert.deepEqual(msgs.filter((m) => m.code === 'IST0101').map((m) => m.message),
    ['Referenced gateway not found: "bogus"', 'Referenced gateway not found: "other/public"']);
  const elsewhere = runYaml(gwVs.replace('GATEWAYS', 'public').replace('[shop.example.com]', '[shop.example.org]'));
  assert.deepEqual(origins(elsewhere, 'IST0132'), ['VirtualService edge/shop']);
});

const nsPrefix = fixture('virtualservice_host_not_found_gateway_with_ns_prefix.yaml');
test('VS gateways: namespace-qualified gateway hosts (Istio fixture)', { skip: nsPrefix.skip }, () => {
  const msgs = runFixture(nsPrefix.path);
  assert.deepEqual(origins(msgs, 'IST0101', /gateway not found/), []);
  assert.deepEqual(origins(msgs, 'IST0132'), ['VirtualService default/testing-service-01-test-01']);
});

// ---- 3. Conflicting mesh-gateway hosts (IST0109) -----------------------------------------------

const meshHosts = fixture('virtualservice_conflictingmeshgatewayhosts.yaml');
test('IST0109: conflicting mesh hosts across namespaces (Istio fixture)', { skip: meshHosts.skip }, () => {
  assert.deepEqual(origins(runFixture(meshHosts.path), 'IST0109'), [
    'VirtualService bar/ratings', 'VirtualService foo/bogus-productpage', 'VirtualService foo/productpage',
    'VirtualService foo/ratings', 'VirtualService team2/ratings', 'VirtualService team3/ratings', 'VirtualService team4/ratings',
  ]);
});

const meshExport = fixture('virtualservice_conflictingmeshgatewayhosts_with_exportto.yaml');
test('IST0109: exportTo separates audiences; wildcards overlap (Istio fixture)', { skip: meshExport.skip }, () => {
  const found = origins(runFixture(meshExport.path), 'IST0109');
  assert.deepEqual(found, ['VirtualService bar/productpage', 'VirtualService bar/productpage-c', 'VirtualService bar/productpage-d',
    'VirtualService foo/productpage', 'VirtualService foo/productpage-c', 'VirtualService foo/productpage-d']);
  assert.ok(!found.some((o) => o.endsWith('productpage-b')), 'namespace-local VirtualServices do not conflict');
});

// ---- 4. DestinationRule subsets selecting no workload (IST0173, IST0174) ----------------------

for (const [name, expected] of [
  ['destinationrule-subsets-not-select-pods.yaml', ['DestinationRule default/subsets-not-select-pods']],
  ['destinationrule-empty-topology-labels.yaml', ['DestinationRule default/empty-topology-labels']],
  ['destinationrule-subsets-with-topology-labels.yaml', []],
] as const) {
  const fx = fixture(name);
  test(`IST0173: ${name} (Istio fixture)`, { skip: fx.skip }, () => {
    assert.deepEqual(origins(runFixture(fx.path), 'IST0173'), expected);
  });
}

test('IST0173/IST0174: subsets must select workloads of the host\'s own Service', () => {
  const yaml = deployment('reviews-v1', 'shop', { app: 'reviews', version: 'v1' }) +
    deployment('ratings-v2', 'shop', { app: 'ratings', version: 'v2' }) + service('reviews', 'shop', { app: 'reviews' }, [9080]) + `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ghost, namespace: shop}
spec:
  host: ghost.shop.svc.cluster.local
`;
  const msgs = runYaml(yaml);
  const subsetMsgs = msgs.filter((m) => m.code === 'IST0173');
  assert.equal(subsetMsgs.length, 1, 'only v2 (whose pods belong to ratings) selects nothing');
  assert.match(subsetMsgs[0]!.message, /^The Subset v2 defined/);
  assert.deepEqual(origins(msgs, 'IST0174'), ['DestinationRule shop/ghost']);
});

// ---- 5. Sidecars (IST0111 selector-less, IST0110 same workload) --------------------------------

const sidecarDefault = fixture('sidecar-default-selector.yaml');
test('IST0111: several selector-less Sidecars in one namespace (Istio fixture)', { skip: sidecarDefault.skip }, () => {
  const msgs = runFixture(sidecarDefault.path);
  assert.deepEqual(origins(msgs, 'IST0111'), ['Sidecar ns2/has-conflict-1', 'Sidecar ns2/has-conflict-2']);
  assert.match(msgs.find((m) => m.code === 'IST0111')!.message, /^The Sidecars \[has-conflict-1 has-conflict-2\] in namespace "ns2"/);
});

test('IST0110: Sidecars whose selectors pick the same workload; distinct ones are fine', () => {
  const sc = (name: string, labels: Record<string, string>) => `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: default}
spec:
  workloadSelector: {labels: ${JSON.stringify(labels)}}
  egress: [{hosts: ["./*"]}]
---`;
  const workloads = deployment('ratings', 'default', { app: 'ratings', tier: 'back' }) + deployment('reviews', 'default', { app: 'reviews' });
  const good = runYaml(workloads + sc('ratings', { app: 'ratings' }) + sc('reviews', { app: 'reviews' }));
  assert.deepEqual(good.filter((m) => m.origin.startsWith('Sidecar')), []);
  const bad = runYaml(workloads + sc('overlap-1', { app: 'ratings' }) + sc('overlap-2', { tier: 'back' }) + sc('nothing', { app: 'bogus' }));
  assert.deepEqual(origins(bad, 'IST0110'), ['Sidecar default/overlap-1', 'Sidecar default/overlap-2']);
  assert.deepEqual(origins(bad, 'IST0101'), ['Sidecar default/nothing']);
});

// ---- 6. ServiceEntries claiming the same host and port (IST0177, TRL0101) ---------------------

const seProto = fixture('serviceentry-conflicting-protocol.yaml');
test('IST0177: same host and port, different protocols, names both (Istio fixture)', { skip: seProto.skip }, () => {
  const msgs = runFixture(seProto.path).filter((m) => m.code === 'IST0177');
  assert.deepEqual(origins(msgs, 'IST0177'), ['ServiceEntry default/se-http', 'ServiceEntry default/se-https']);
  for (const m of msgs) assert.match(m.message, /default\/se-http, default\/se-https\) define the same host "example\.com" and port 13835/);
});

const seSame = fixture('serviceentry-no-conflict-protocol.yaml');
test('TRL0101: same host, port and protocol is reported by Trellis, naming both', { skip: seSame.skip }, () => {
  const msgs = runFixture(seSame.path);
  assert.deepEqual(origins(msgs, 'IST0177'), []);
  assert.deepEqual(origins(msgs, 'TRL0101'), ['ServiceEntry default/se-https-only', 'ServiceEntry default/se-https-only-2']);
  assert.match(msgs.find((m) => m.code === 'TRL0101')!.message, /\(default\/se-https-only, default\/se-https-only-2\)/);
});

const seExport = fixture('serviceentry-conflicting-exportto.yaml');
test('IST0177/TRL0101: namespace-local ServiceEntries in different namespaces do not clash (Istio fixture)', { skip: seExport.skip }, () => {
  const msgs = runFixture(seExport.path);
  assert.deepEqual(msgs.filter((m) => m.code === 'IST0177' || m.code === 'TRL0101'), []);
});

// ---- 7. ServiceEntry addresses (IST0134) ------------------------------------------------------

const seAddr = fixture('serviceentry-missing-addresses-protocol.yaml');
test('IST0134: TCP or unset protocol without addresses (Istio fixture)', { skip: seAddr.skip }, () => {
  assert.deepEqual(origins(runFixture(seAddr.path), 'IST0134'), ['ServiceEntry default/service-entry-test-03',
    'ServiceEntry default/service-entry-test-04', 'ServiceEntry default/service-entry-test-07']);
});

for (const [name, expected] of [
  ['serviceentry-address-required-lowercase.yaml', ['ServiceEntry default/address-missing-lowercase']],
  ['serviceentry-address-allocated.yaml', []],
] as const) {
  const fx = fixture(name);
  test(`IST0134: ${name} (Istio fixture)`, { skip: fx.skip }, () => {
    assert.deepEqual(origins(runFixture(fx.path), 'IST0134'), expected);
  });
}

// ---- 8. Gateway selector and ports (IST0101, IST0162) -----------------------------------------

for (const [name, code, expected] of [
  ['gateway-no-port.yaml', 'IST0162', ['Gateway default/httpbin-gateway']],
  ['gateway-correct-port.yaml', 'IST0162', []],
  ['gateway-correct-port.yaml', 'IST0101', []],
] as const) {
  const fx = fixture(name);
  test(`${code}: ${name} against the built-in ingress gateway (Istio fixture)`, { skip: fx.skip }, () => {
    assert.deepEqual(origins(runFixture(fx.path), code), expected);
  });
}

const customGw = (port: number, extra = '') => deployment('my-gateway', 'edge', { myapp: 'private-ingressgateway' }) + `
apiVersion: v1
kind: Service
metadata: {name: my-gateway, namespace: edge}
spec:
  selector: {myapp: private-ingressgateway}
  ports: [{name: http2, port: 80, protocol: TCP, targetPort: 8003}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway, namespace: edge}
spec:
  selector: {myapp: private-ingressgateway${extra}}
  servers: [{port: {number: ${port}, name: http2, protocol: HTTP}, hosts: ["*"]}]
`;
test('IST0162/IST0101: custom gateway workload, Service port and target port are both fine', () => {
  for (const port of [80, 8003]) assert.deepEqual(runYaml(customGw(port)), []);
});

test('IST0162/IST0101: a port the Service lacks, and a selector matching nothing', () => {
  assert.deepEqual(origins(runYaml(customGw(8004)), 'IST0162'), ['Gateway edge/httpbin-gateway']);
  const none = runYaml(customGw(80, ', typo: x'));
  assert.deepEqual(none.map((m) => [m.code, m.message]),
    [['IST0101', 'Referenced selector not found: "myapp=private-ingressgateway,typo=x"']]);
});

test('IST0162: a Service istio-system/istio-ingressgateway in the input replaces the built-in one', () => {
  const gw = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: PASSTHROUGH}}]
`;
  assert.deepEqual(runYaml(gw), []);
  assert.deepEqual(origins(runYaml(service('istio-ingressgateway', 'istio-system', { istio: 'ingressgateway' }, [80]) + gw), 'IST0162'),
    ['Gateway istio-system/gw']);
});

// ---- 9. Conflicting Gateways (IST0145) --------------------------------------------------------

for (const [name, expected] of [
  ['conflicting-gateways.yaml', ['Gateway default/alpha', 'Gateway default/beta']],
  ['gateway-different-port.yaml', []],
] as const) {
  const fx = fixture(name);
  test(`IST0145: ${name} (Istio fixture)`, { skip: fx.skip }, () => {
    assert.deepEqual(origins(runFixture(fx.path), 'IST0145'), expected);
  });
}

test('IST0145: different selectors that select one workload conflict; distinct hosts do not', () => {
  const gw = (name: string, selector: Record<string, string>, host: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: edge}
spec:
  selector: ${JSON.stringify(selector)}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["${host}"]}]
---`;
  const wl = deployment('gw', 'edge', { istio: 'edge', team: 'a' });
  const bad = runYaml(wl + gw('alpha', { istio: 'edge' }, 'foo.bar') + gw('beta', { istio: 'edge', team: 'a' }, 'foo.bar'));
  assert.deepEqual(origins(bad, 'IST0145'), ['Gateway edge/alpha', 'Gateway edge/beta']);
  assert.match(bad.find((m) => m.origin === 'Gateway edge/alpha')!.message, /^Conflict with gateways edge\/beta \(workload selector istio=edge, port 80, hosts foo\.bar\)\.$/);
  assert.deepEqual(origins(runYaml(wl + gw('alpha', { istio: 'edge' }, 'foo.bar') + gw('beta', { istio: 'edge', team: 'a' }, 'bar.bar')), 'IST0145'), []);
});

// ---- output order and the CLI -----------------------------------------------------------------

test('analyze: output order does not depend on input order', { skip: meshHosts.skip }, () => {
  const cfg = loadTexts([{ file: 'a.yaml', text: readFileSync(meshHosts.path, 'utf8') }]);
  const objs = cfg.objects.filter((o) => o.valid).map((o) => o.raw);
  assert.deepEqual(analyze([...objs].reverse()), analyze(objs));
});

test('analyze: the same object given twice (two variants of one file) is analyzed once, the last winning', () => {
  const gw = (host: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: proxy, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["${host}"]}]
---`;
  assert.deepEqual(runYaml(gw('a.example.com') + gw('a.example.com')), []);
});

async function cli(text: string): Promise<{ code: number; out: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'trellis-analyze-')), 'config.yaml');
  writeFileSync(file, text);
  let out = '';
  const code = await main(['analyze', '-f', file, '-o', 'json'], { out: (s) => { out += s; }, err: () => {} });
  return { code, out };
}

test('CLI: trellis analyze -o json prints istioctl-shaped messages and exits 1 on an Error', async () => {
  const { code, out } = await cli(gwVs.replace('GATEWAYS', 'bogus'));
  assert.equal(code, 1);
  const msgs = JSON.parse(out) as AnalysisMessage[];
  assert.ok(msgs.length > 0);
  for (const m of msgs) assert.deepEqual(Object.keys(m).sort(), ['code', 'level', 'message', 'origin', 'reference']);
  const m = msgs.find((x) => x.code === 'IST0101')!;
  assert.equal(m.level, 'Error');
  assert.equal(m.origin, 'VirtualService edge/shop');
  assert.match(m.reference, /config\.yaml:14$/, 'the line of spec.gateways');
});

test('CLI: trellis analyze exits 0 when there are only warnings or nothing', async () => {
  const clean = await cli(gwVs.replace('GATEWAYS', 'public'));
  assert.equal(clean.code, 0);
  assert.deepEqual(JSON.parse(clean.out), []);
  const warn = await cli(gwVs.replace('GATEWAYS', 'public').replace('[shop.example.com]', '[shop.example.org]'));
  assert.equal(warn.code, 0);
  assert.deepEqual((JSON.parse(warn.out) as AnalysisMessage[]).map((m) => m.code), ['IST0132']);
});
