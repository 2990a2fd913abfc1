/**
 * Parsing: multi-document YAML, kubectl Lists, JSON, namespaces, skipped kinds, line numbers,
 * and malformed input reported without throwing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/config/parse.js';

const multi = `# leading comment
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: a
spec:
  hosts: [a]
  http:
  - route:
    - destination:
        host: a
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec: {}
---
apiVersion: v1
kind: Namespace
metadata:
  name: prod
`;

test('multi-document YAML keeps each object with its line; other kinds are skipped', () => {
  const r = parseText('m.yaml', multi, { defaultNamespace: 'ns1' });
  assert.equal(r.failures.length, 0);
  assert.deepEqual(r.objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name, o.origin.line]), [
    ['VirtualService', 'ns1', 'a', 2],
    ['Namespace', '', 'prod', 20],
  ]);
  assert.equal(r.skipped.length, 1);
  assert.equal(r.skipped[0]!.kind, 'PeerAuthentication');
  assert.equal(r.skipped[0]!.namespace, 'istio-system');
  assert.equal(r.skipped[0]!.line, 13);
  const vs = r.objects[0]!;
  assert.equal(vs.lineOf(['spec', 'http', 0, 'route', 0, 'destination', 'host']), 11);
  assert.equal(vs.lineOf(['spec', 'http', 0, 'nosuch']), 9, 'falls back to the nearest existing parent');
});

test('namespace defaults to "default" when neither metadata nor -n give one', () => {
  const r = parseText('d.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n');
  assert.equal(r.objects[0]!.metadata.namespace, 'default');
});

test('kubectl List items become objects with their own lines', () => {
  const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: s1, namespace: x}
- apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: {name: d1}
  spec: {host: s1}
`;
  const r = parseText('l.yaml', text);
  assert.deepEqual(r.objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name, o.origin.line]), [
    ['Service', 'x', 's1', 4],
    ['DestinationRule', 'default', 'd1', 7],
  ]);
  assert.equal(r.objects[1]!.lineOf(['spec', 'host']), 10);
});

test('JSON input parses with line numbers', () => {
  const text = '{\n  "apiVersion": "networking.istio.io/v1",\n  "kind": "Gateway",\n  "metadata": {"name": "g"},\n  "spec": {\n    "servers": []\n  }\n}\n';
  const r = parseText('g.json', text);
  assert.equal(r.objects.length, 1);
  assert.equal(r.objects[0]!.lineOf(['spec', 'servers']), 6);
});

test('malformed YAML and envelope-less documents are failures with a line, never exceptions', () => {
  const r = parseText('bad.yaml', 'kind: VirtualService\nmetadata:\n  name: [unclosed\n---\n- just\n- a list\n---\nfoo: bar\n');
  assert.equal(r.objects.length, 0);
  assert.ok(r.failures.length >= 3, JSON.stringify(r.failures));
  for (const f of r.failures) assert.ok(f.line >= 1 && f.message.length > 0);
  assert.ok(r.failures.some((f) => /kind is required/.test(f.message)));
});

test('duplicate keys are reported', () => {
  const r = parseText('dup.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n');
  assert.equal(r.failures.length, 1);
  assert.equal(r.failures[0]!.line, 5);
});

test('a known kind name from another API group is skipped, a wrong version of ours is not', () => {
  const r = parseText('gw.yaml', `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: waypoint}
spec: {gatewayClassName: istio-waypoint}
---
apiVersion: networking.istio.io/v9
kind: Gateway
metadata: {name: g}
spec: {}
`);
  assert.deepEqual(r.skipped.map((s) => s.name), ['waypoint']);
  assert.match(r.skipped[0]!.reason, /gateway\.networking\.k8s\.io/);
  assert.deepEqual(r.objects.map((o) => o.metadata.name), ['g']);
});

test('an IPv6 address ending in ":" inside a flow list is a string, as kubectl reads it', () => {
  const r = parseText('se.yaml', 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s}\nspec:\n  addresses: [1.2.3.4, 001:db8::]\n');
  assert.deepEqual((r.objects[0]!.body.spec as { addresses: string[] }).addresses, ['1.2.3.4', '001:db8::']);
});

test('foreign documents are skipped without composing them, whatever separates the documents', () => {
  const text = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: x.networking.istio.io}
spec: {a: 1, a: 2}
...
---
apiVersion: v1
kind: Secret
metadata:
  name: "quoted"
  namespace: 'ns2'
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec: {ports: [{port: 80}]}
`;
  const r = parseText('f.yaml', text);
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.skipped.map((s) => [s.kind, s.namespace, s.name, s.line]), [
    ['CustomResourceDefinition', 'default', 'x.networking.istio.io', 1],
    ['Secret', 'ns2', 'quoted', 7],
  ]);
  assert.deepEqual(r.objects.map((o) => [o.kind, o.metadata.name, o.origin.line]), [['Service', 'svc', 13]]);
  assert.equal(r.objects[0]!.lineOf(['spec', 'ports', 0, 'port']), 16);
});
