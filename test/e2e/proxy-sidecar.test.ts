/**
 * The Trellis proxy as a sidecar in explicit outbound mode against the real control plane:
 * seed 001's canary (`/canary` → v11 with the path rewritten to `/`, the rest → v10), the
 * weighted split of the guide's later step (90/10 within tolerance), seed 002's header match
 * (end-user: jason), and a VirtualService edit taking effect on the next request.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ENTRY, get, serviceYaml, startMesh, upstream, waitFor, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const IP = '127.0.61.1';
let mesh: Mesh;
let v10a: Upstream, v10b: Upstream, v11: Upstream;

const DR = `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: demoapp, namespace: default}
spec:
  host: demoapp
  subsets:
  - {name: v10, labels: {version: v1.0}}
  - {name: v11, labels: {version: v1.1}}
`;

const CANARY = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: demoapp, namespace: default}
spec:
  hosts: [demoapp]
  http:
  - name: canary
    match: [{uri: {prefix: /canary}}]
    rewrite: {uri: /}
    route: [{destination: {host: demoapp, subset: v11}}]
  - name: jason
    match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: demoapp, subset: v11}}]
  - name: default
    route: [{destination: {host: demoapp, subset: v10}}]
`;

const SPLIT = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: demoapp, namespace: default}
spec:
  hosts: [demoapp]
  http:
  - name: weight-based-routing
    route:
    - {destination: {host: demoapp, subset: v10}, weight: 90}
    - {destination: {host: demoapp, subset: v11}, weight: 10}
`;

before(async () => {
  v10a = await upstream('v10-a', '127.0.61.10');
  v10b = await upstream('v10-b', '127.0.61.11');
  v11 = await upstream('v11', '127.0.61.12');
  const svc = serviceYaml('demoapp', 8080, [
    { u: v10a, labels: { version: 'v1.0' } }, { u: v10b, labels: { version: 'v1.0' } }, { u: v11, labels: { version: 'v1.1' } },
  ]);
  mesh = await startMesh([svc, DR, CANARY, CLIENT_ENTRY(IP)].join('---\n'), { ip: IP }, [v10a, v10b, v11]);
});

after(async () => { await mesh?.close(); });

test('explicit mode: /canary goes to v11 with the path rewritten to /', async () => {
  const r = await get(mesh.explicit, 'http://demoapp:8080/canary');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json?.name, 'v11');
  assert.equal(r.json?.path, '/');
  assert.equal(r.json?.headers['x-envoy-original-path'], '/canary');
  assert.equal(r.json?.headers['host'], 'demoapp:8080');
  assert.ok(r.headers['x-envoy-upstream-service-time'] !== undefined);
  const sub = await get(mesh.explicit, 'http://demoapp:8080/canary/x?q=1');
  assert.equal(sub.json?.name, 'v11');
  assert.equal(sub.json?.path, '//x?q=1', 'prefix /canary replaced by / (Istio keeps the rest)');
});

test('explicit mode: everything else goes to v10, spread over its endpoints', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const r = await get(mesh.explicit, 'http://demoapp:8080/hello');
    assert.equal(r.status, 200);
    assert.equal(r.json?.path, '/hello');
    names.add(r.json!.name);
  }
  assert.deepEqual([...names].sort(), ['v10-a', 'v10-b']);
});

test('header match: end-user: jason goes to v11', async () => {
  const r = await get(mesh.explicit, 'http://demoapp:8080/', { 'end-user': 'jason' });
  assert.equal(r.json?.name, 'v11');
  const other = await get(mesh.explicit, 'http://demoapp.default.svc.cluster.local:8080/', { 'end-user': 'tom' });
  assert.match(other.json?.name ?? '', /^v10/);
});

test('weighted split 90/10 after a VirtualService edit', async () => {
  mesh.store.applyText('vs.yaml', SPLIT);
  mesh.store.applyText('mesh.yaml', [serviceYaml('demoapp', 8080, [
    { u: v10a, labels: { version: 'v1.0' } }, { u: v10b, labels: { version: 'v1.0' } }, { u: v11, labels: { version: 'v1.1' } },
  ]), DR, CLIENT_ENTRY(IP)].join('---\n'));
  await waitFor('the split route', async () => (await get(mesh.explicit, 'http://demoapp:8080/canary')).json?.path === '/canary');
  const n = 400;
  let toV11 = 0;
  const batch = await Promise.all(Array.from({ length: n }, () => get(mesh.explicit, 'http://demoapp:8080/')));
  for (const r of batch) {
    assert.equal(r.status, 200);
    if (r.json?.name === 'v11') toV11++;
  }
  const share = toV11 / n;
  assert.ok(share > 0.05 && share < 0.16, `v11 share ${share}`);
});

test('unknown port under ALLOW_ANY passes through to the host and port asked for', async () => {
  const ext = await upstream('external', '127.0.61.20');
  try {
    const r = await get(mesh.explicit, `http://127.0.61.20:${ext.port}/out`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json?.name, 'external');
    assert.equal(r.json?.path, '/out');
  } finally {
    ext.server.close();
  }
});
