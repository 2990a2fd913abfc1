/**
 * Registry: Kubernetes Services (protocol, target ports, selection), Deployments and Pods as
 * workloads, ServiceEntries (resolutions, endpoints, workloadSelector), the built-in gateways,
 * VIP allocation and exportTo normalisation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTexts } from '../../src/config/load.js';
import { buildRegistry } from '../../src/registry/build.js';
import { kubePortProtocol, parseProtocol } from '../../src/registry/protocol.js';
import type { Registry } from '../../src/registry/types.js';

function registry(yaml: string, opts: Parameters<typeof buildRegistry>[1] = {}): Registry {
  const cfg = loadTexts([{ file: 'inline.yaml', text: yaml }]);
  const bad = cfg.objects.filter((o) => !o.valid).map((o) => `${o.raw.kind} ${o.raw.metadata.name}: ${o.errors.map((e) => e.message).join('; ')}`);
  assert.deepEqual(bad, [], 'test input must be valid');
  return buildRegistry(cfg.objects.map((o) => o.raw), opts);
}

const svc = (r: Registry, host: string) => {
  const s = r.services.find((x) => x.hostname === host);
  assert.ok(s, `service ${host}`);
  return s;
};
const eps = (r: Registry, host: string, port: number) => r.endpoints.filter((e) => e.hostname === host && e.servicePort === port);

const deploy = (name: string, labels: Record<string, string>, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: ${JSON.stringify(labels)}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      containers:
      - name: app
        image: app:1
        ports: [{name: web, containerPort: 8080}, {name: admin, containerPort: 9000}]
${extra}
---`;

test('protocol from appProtocol, then the port-name prefix, as Istio selects it', () => {
  const cases: [string | undefined, string | undefined, string | undefined, string][] = [
    ['http', undefined, undefined, 'HTTP'],
    ['http-8080', undefined, undefined, 'HTTP'],
    ['HTTP2-x', undefined, undefined, 'HTTP2'],
    ['grpc', undefined, undefined, 'GRPC'],
    ['grpc-web', undefined, undefined, 'GRPC-Web'],
    ['grpc-web-x', undefined, undefined, 'GRPC-Web'],
    ['grpc-x', undefined, undefined, 'GRPC'],
    ['tcp-db', undefined, undefined, 'TCP'],
    ['tls', undefined, undefined, 'TLS'],
    ['https', undefined, undefined, 'HTTPS'],
    ['mongo', undefined, undefined, 'Mongo'],
    ['redis-main', undefined, undefined, 'Redis'],
    ['mysql', undefined, undefined, 'MySQL'],
    ['udp', undefined, undefined, 'UDP'],
    ['web', undefined, undefined, 'UNKNOWN'],
    [undefined, undefined, undefined, 'UNKNOWN'],
    ['httpx', undefined, undefined, 'UNKNOWN'],
    ['web', undefined, 'http', 'HTTP'],
    ['http', undefined, 'tcp', 'TCP'],
    ['x', undefined, 'kubernetes.io/h2c', 'HTTP2'],
    ['x', undefined, 'kubernetes.io/ws', 'HTTP'],
    ['x', undefined, 'kubernetes.io/wss', 'HTTPS'],
    ['http', 'UDP', undefined, 'UDP'],
  ];
  for (const [name, proto, app, want] of cases) assert.equal(kubePortProtocol(name, proto, app), want, `${name}/${proto}/${app}`);
  assert.equal(parseProtocol('GRPC-Web'), 'GRPC-Web');
  assert.equal(parseProtocol(''), 'UNKNOWN');
});

test('Kubernetes Service: FQDN, ports, numeric and named target ports, selection by labels', () => {
  const r = registry(`${deploy('web', { app: 'web', version: 'v1' }, '')}
${deploy('other', { app: 'other' })}
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: web}
  - {name: tcp-admin, port: 9000, targetPort: 9000}
  - {name: grpc, port: 7070, appProtocol: grpc}
  - {name: http-missing, port: 81, targetPort: nope}
`);
  const s = svc(r, 'web.default.svc.cluster.local');
  assert.equal(s.namespace, 'default');
  assert.equal(s.resolution, 'CLIENT_SIDE_LB');
  assert.equal(s.meshExternal, false);
  assert.deepEqual(s.ports.map((p) => [p.name, p.port, p.protocol, p.targetPort]), [
    ['http', 80, 'HTTP', 'web'], ['tcp-admin', 9000, 'TCP', 9000], ['grpc', 7070, 'GRPC', 7070], ['http-missing', 81, 'HTTP', 'nope'],
  ]);
  assert.deepEqual(eps(r, s.hostname, 80).map((e) => [e.port, e.labels.version, e.workload?.name]), [[8080, 'v1', 'web']]);
  assert.deepEqual(eps(r, s.hostname, 9000).map((e) => e.port), [9000]);
  assert.deepEqual(eps(r, s.hostname, 7070).map((e) => e.port), [7070], 'targetPort defaults to port');
  assert.deepEqual(eps(r, s.hostname, 81), [], 'a named target port the pod lacks gives no endpoint');
  assert.equal(s.autoAllocated, true);
  assert.match(s.addresses[0]!, /^240\.240\.\d+\.\d+$/);
});

test('clusterIP is the VIP; headless is PASSTHROUGH; ExternalName is a DNS service', () => {
  const r = registry(`
apiVersion: v1
kind: Service
metadata: {name: a, namespace: ns1}
spec: {clusterIP: 10.0.0.7, selector: {app: a}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: h, namespace: ns1}
spec: {clusterIP: None, selector: {app: h}, ports: [{name: tcp, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: ns1}
spec: {type: ExternalName, externalName: db.example.com, ports: [{name: tcp, port: 5432}]}
`);
  const a = svc(r, 'a.ns1.svc.cluster.local');
  assert.deepEqual([a.addresses, a.autoAllocated], [['10.0.0.7'], false]);
  const h = svc(r, 'h.ns1.svc.cluster.local');
  assert.deepEqual([h.addresses, h.resolution], [[], 'PASSTHROUGH']);
  const e = svc(r, 'ext.ns1.svc.cluster.local');
  assert.deepEqual([e.resolution, e.meshExternal], ['DNS', true]);
  assert.deepEqual(eps(r, e.hostname, 5432).map((x) => `${x.address}:${x.port}`), ['db.example.com:5432']);
});

test('Deployments: one workload per replica named NAME-N, pod-template labels, service account, inject=false', () => {
  const r = registry(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app, version: v2}}
    spec: {serviceAccountName: app-sa, containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy, namespace: shop}
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}, annotations: {sidecar.istio.io/inject: "false"}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: none, namespace: shop}
spec:
  replicas: 0
  selector: {matchLabels: {app: none}}
  template:
    metadata: {labels: {app: none}}
    spec: {containers: [{name: c, image: i}]}
`);
  const app = r.workloads.filter((w) => w.name === 'app');
  assert.deepEqual(app.map((w) => w.podName), ['app-0', 'app-1', 'app-2']);
  assert.ok(app.every((w) => w.labels.version === 'v2' && w.serviceAccount === 'app-sa' && w.sidecar && w.kind === 'Deployment'));
  assert.equal(new Set(app.map((w) => w.address)).size, 3);
  const legacy = r.workloads.find((w) => w.name === 'legacy')!;
  assert.equal(legacy.sidecar, false);
  assert.equal(legacy.serviceAccount, 'default');
  assert.equal(r.workloads.filter((w) => w.name === 'none').length, 0);
});

test('workload addresses are loopback, stable across runs and independent of file order', () => {
  const a = deploy('a', { app: 'a' });
  const b = deploy('b', { app: 'b' });
  const one = registry(a + b).workloads.map((w) => `${w.podName}=${w.address}`).sort();
  const two = registry(b + a).workloads.map((w) => `${w.podName}=${w.address}`).sort();
  assert.deepEqual(one, two);
  for (const w of registry(a + b).workloads) {
    assert.match(w.address, /^127\./);
    assert.notEqual(w.address, '127.0.0.1');
  }
});

test('built-in gateways: workloads, labels, Services 80→8080, 443→8443 (15443 on ingress)', () => {
  const r = registry('');
  const ing = r.workloads.find((w) => w.name === 'istio-ingressgateway')!;
  assert.deepEqual([ing.kind, ing.namespace, ing.podName, ing.address], ['Gateway', 'istio-system', 'istio-ingressgateway-0', '127.0.10.1']);
  assert.deepEqual(ing.labels, { app: 'istio-ingressgateway', istio: 'ingressgateway' });
  const eg = r.workloads.find((w) => w.name === 'istio-egressgateway')!;
  assert.deepEqual([eg.address, eg.labels.istio, eg.labels.app], ['127.0.10.2', 'egressgateway', 'istio-egressgateway']);
  const is = svc(r, 'istio-ingressgateway.istio-system.svc.cluster.local');
  assert.deepEqual(is.ports.map((p) => `${p.name}:${p.port}->${p.targetPort}/${p.protocol}`), ['http2:80->8080/HTTP2', 'https:443->8443/HTTPS', 'tls:15443->15443/TLS']);
  const es = svc(r, 'istio-egressgateway.istio-system.svc.cluster.local');
  assert.deepEqual(es.ports.map((p) => `${p.port}->${p.targetPort}`), ['80->8080', '443->8443']);
  assert.deepEqual(eps(r, es.hostname, 80).map((e) => `${e.address}:${e.port}`), ['127.0.10.2:8080']);
  assert.equal(registry('', { builtinGateways: false }).workloads.length, 0);
});

test('an input Service for a built-in gateway replaces the built-in one', () => {
  const r = registry(`
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, ports: [{name: http2, port: 8081, targetPort: 8080}]}
`);
  const all = r.services.filter((s) => s.hostname === 'istio-ingressgateway.istio-system.svc.cluster.local');
  assert.equal(all.length, 1);
  assert.deepEqual(all[0]!.ports.map((p) => p.port), [8081]);
  assert.deepEqual(eps(r, all[0]!.hostname, 8081).map((e) => `${e.address}:${e.port}`), ['127.0.10.1:8080']);
});

test('ServiceEntry resolutions map to Istio internal ones; location; one service per host', () => {
  const se = (name: string, res: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}}
spec:
  hosts: [${name}.example.com, ${name}2.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: ${res}
${extra}
---`;
  const r = registry(se('none', 'NONE') + se('static', 'STATIC', '  endpoints: [{address: 10.1.1.1}]') +
    se('dns', 'DNS') + se('rr', 'DNS_ROUND_ROBIN') + se('internal', 'STATIC', '  location: MESH_INTERNAL\n  endpoints: [{address: 10.1.1.2}]'));
  assert.equal(svc(r, 'none.example.com').resolution, 'PASSTHROUGH');
  assert.equal(svc(r, 'static.example.com').resolution, 'CLIENT_SIDE_LB');
  assert.equal(svc(r, 'dns.example.com').resolution, 'DNS');
  assert.equal(svc(r, 'rr.example.com').resolution, 'DNS_ROUND_ROBIN');
  assert.equal(svc(r, 'static.example.com').meshExternal, true);
  assert.equal(svc(r, 'internal.example.com').meshExternal, false);
  assert.equal(svc(r, 'static2.example.com').name, 'static');
  assert.deepEqual(svc(r, 'none.example.com').addresses, [], 'no VIP for passthrough');
  assert.equal(svc(r, 'dns.example.com').autoAllocated, true);
  // DNS without endpoints: one endpoint per host, the host itself.
  assert.deepEqual(eps(r, 'dns.example.com', 80).map((e) => `${e.address}:${e.port}`), ['dns.example.com:80']);
  assert.deepEqual(eps(r, 'dns2.example.com', 80).map((e) => `${e.address}:${e.port}`), ['dns2.example.com:80']);
  assert.deepEqual(eps(r, 'none.example.com', 80), []);
  assert.deepEqual(eps(r, 'static2.example.com', 80).map((e) => e.address), ['10.1.1.1']);
});

test('ServiceEntry endpoints: ports map by port name, targetPort, weight, locality, network, labels', () => {
  const r = registry(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vm, namespace: ext, labels: {x: y}}
spec:
  hosts: [vm.example.com]
  addresses: [192.168.0.10]
  location: MESH_INTERNAL
  ports:
  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
  - {number: 443, name: https, protocol: HTTPS}
  resolution: STATIC
  exportTo: [".", "other"]
  endpoints:
  - {address: 10.0.0.1, ports: {http: 9080}, labels: {version: v1}, weight: 3, locality: us-east/a/b, network: n1, serviceAccount: vm-sa}
  - {address: 10.0.0.2}
`);
  const s = svc(r, 'vm.example.com');
  assert.deepEqual(s.addresses, ['192.168.0.10']);
  assert.equal(s.autoAllocated, false);
  assert.deepEqual(s.exportTo, ['ext', 'other']);
  assert.deepEqual(s.ports.map((p) => [p.port, p.protocol, p.targetPort]), [[80, 'HTTP', 8080], [443, 'HTTPS', undefined]]);
  const e80 = eps(r, s.hostname, 80);
  assert.deepEqual(e80.map((e) => `${e.address}:${e.port}`), ['10.0.0.1:9080', '10.0.0.2:8080']);
  assert.deepEqual([e80[0]!.weight, e80[0]!.locality, e80[0]!.network, e80[0]!.labels, e80[0]!.sidecar], [3, 'us-east/a/b', 'n1', { version: 'v1' }, true]);
  assert.deepEqual([e80[1]!.weight, e80[1]!.sidecar], [1, false]);
  assert.deepEqual(eps(r, s.hostname, 443).map((e) => `${e.address}:${e.port}`), ['10.0.0.1:443', '10.0.0.2:443']);
});

test('ServiceEntry workloadSelector selects WorkloadEntries (and pods) in its namespace only', () => {
  const r = registry(`
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm1, namespace: ns}
spec: {address: 10.2.0.1, ports: {http: 8081}, labels: {app: vm, version: v1}, serviceAccount: vm}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm2, namespace: ns}
spec: {address: 10.2.0.2, labels: {app: vm, version: v2}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: elsewhere, namespace: other}
spec: {address: 10.2.0.3, labels: {app: vm}}
---
apiVersion: v1
kind: Pod
metadata: {name: podvm, namespace: ns, labels: {app: vm, version: v3}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vm, namespace: ns}
spec:
  hosts: [vm.internal]
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 9090}]
  resolution: STATIC
  location: MESH_INTERNAL
  workloadSelector: {labels: {app: vm}}
`);
  const e = eps(r, 'vm.internal', 80);
  assert.deepEqual(e.map((x) => `${x.workload?.kind}/${x.workload?.name} ${x.port} ${x.labels.version}`).sort(), [
    'Pod/podvm 9090 v3', 'WorkloadEntry/vm1 8081 v1', 'WorkloadEntry/vm2 9090 v2',
  ]);
  const vm1 = e.find((x) => x.workload?.name === 'vm1')!;
  assert.deepEqual([vm1.address, vm1.sidecar, vm1.serviceAccount], ['10.2.0.1', true, 'vm']);
  assert.equal(e.find((x) => x.workload?.name === 'vm2')!.sidecar, false);
  const we = r.workloads.find((w) => w.name === 'vm1')!;
  assert.deepEqual([we.kind, we.address, we.podName], ['WorkloadEntry', '10.2.0.1', 'vm1']);
});

test('examples/000: STATIC ServiceEntry ngx.hj.com and its WorkloadEntry variant', async () => {
  const { loadPaths } = await import('../../src/config/load.js');
  const base = buildRegistry(loadPaths(['examples/000-external-services/serviceentry-ngx.yaml']).objects.map((o) => o.raw));
  const s = svc(base, 'ngx.hj.com');
  assert.deepEqual([s.resolution, s.addresses, s.meshExternal], ['CLIENT_SIDE_LB', ['127.0.0.25'], true]);
  assert.deepEqual(eps(base, 'ngx.hj.com', 80).map((e) => `${e.address}:${e.port}`), ['127.0.0.25:80']);
  const we = buildRegistry(loadPaths(['examples/000-external-services/serviceentry-ngx.yaml',
    'examples/000-external-services/steps/01-workload-entry/serviceentry-ngx.yaml']).objects.map((o) => o.raw));
  const e = eps(we, 'ngx.hj.com', 80);
  assert.equal(we.services.filter((x) => x.hostname === 'ngx.hj.com').length, 1, 'the step replaces the base ServiceEntry');
  assert.deepEqual(e.map((x) => [x.address, x.port, x.labels.version, x.workload?.name]), [['127.0.0.25', 80, 'v1.0', 'ngx-we']]);
});

test('exportTo: ServiceEntry `.`, `*` and `~`; Service annotation', () => {
  const r = registry(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a, namespace: n1}
spec: {hosts: [a.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS, exportTo: ["."]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: b, namespace: n1}
spec: {hosts: [b.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS, exportTo: ["*"]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: d, namespace: n1}
spec: {hosts: [d.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS, exportTo: ["~"]}
---
apiVersion: v1
kind: Service
metadata: {name: c, namespace: n2, annotations: {networking.istio.io/exportTo: "., n3"}}
spec: {ports: [{name: http, port: 80}]}
`);
  assert.deepEqual(svc(r, 'a.example.com').exportTo, ['n1']);
  assert.deepEqual(svc(r, 'b.example.com').exportTo, ['*']);
  assert.deepEqual(svc(r, 'c.n2.svc.cluster.local').exportTo, ['n2', 'n3']);
  assert.deepEqual(svc(r, 'd.example.com').exportTo, ['~']);
});

test('DNS results are attached to DNS endpoints as information only', () => {
  const r = registry(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a}
spec: {hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
`, { dns: new Map([['api.example.com', ['1.2.3.4', '5.6.7.8']]]) });
  const [e] = eps(r, 'api.example.com', 443);
  assert.equal(e!.address, 'api.example.com');
  assert.deepEqual(e!.resolvedAddresses, ['1.2.3.4', '5.6.7.8']);
});
