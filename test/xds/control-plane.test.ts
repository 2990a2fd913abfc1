/**
 * The control-plane runner (src/xds/control-plane.ts) with a memory store: the snapshot follows
 * accepted changes, rejected edits change nothing, and the changed kinds handed to the ADS server
 * say `endpoints` exactly when only EDS endpoints moved (control-plane-changes.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/config/store/memory.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import { loadTexts } from '../../src/config/load.js';
import { pushKinds } from '../../src/xds/control-plane-changes.js';
import { startControlPlane } from '../../src/xds/control-plane.js';
import type { Logger, SnapshotChange } from '../../src/xds/types.js';

function serviceEntry(resolution: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: echo
  namespace: default
spec:
  hosts: [echo.example.com]
  location: MESH_INTERNAL
  resolution: ${resolution}
  ports:
  - number: 7070
    name: grpc
    protocol: GRPC
  workloadSelector:
    labels:
      app: echo
${extra}`;
}

function workloadEntry(name: string, address: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: default
spec:
  address: ${address}
  labels:
    app: echo
${extra}`;
}

function snap(...texts: string[]) {
  const loaded = loadTexts(texts.map((text, i) => ({ file: `f${i}.yaml`, text })));
  assert.ok(loaded.objects.every((o) => o.valid), JSON.stringify(loaded.objects.flatMap((o) => o.errors)));
  return buildSnapshot(loaded.objects.map((o) => o.raw));
}

const kinds = (s: ReadonlySet<string>) => [...s].sort();

test('pushKinds: a WorkloadEntry address change behind a STATIC ServiceEntry is endpoints-only', () => {
  const before = snap(serviceEntry('STATIC'), workloadEntry('e1', '10.0.0.1'));
  const after = snap(serviceEntry('STATIC'), workloadEntry('e1', '10.0.0.2'));
  assert.deepEqual(kinds(pushKinds(new Set(['WorkloadEntry']), before, after)), ['endpoints']);
  const added = snap(serviceEntry('STATIC'), workloadEntry('e1', '10.0.0.1'), workloadEntry('e2', '10.0.0.2'));
  assert.deepEqual(kinds(pushKinds(new Set(['WorkloadEntry']), before, added)), ['endpoints']);
});

test('pushKinds: anything else is a full push with the kinds', () => {
  const before = snap(serviceEntry('STATIC'), workloadEntry('e1', '10.0.0.1'));
  // A service changed.
  const se = snap(serviceEntry('STATIC', '  exportTo: ["."]\n'), workloadEntry('e1', '10.0.0.1'));
  assert.deepEqual(kinds(pushKinds(new Set(['ServiceEntry']), before, se)), ['ServiceEntry']);
  assert.deepEqual(kinds(pushKinds(new Set(['ServiceEntry', 'WorkloadEntry']), before, se)), ['ServiceEntry', 'WorkloadEntry']);
  // DNS clusters carry their endpoints in CDS.
  const dnsBefore = snap(serviceEntry('DNS'), workloadEntry('e1', '10.0.0.1'));
  const dnsAfter = snap(serviceEntry('DNS'), workloadEntry('e1', '10.0.0.2'));
  assert.deepEqual(kinds(pushKinds(new Set(['WorkloadEntry']), dnsBefore, dnsAfter)), ['WorkloadEntry']);
  // Named ports of a workload feed gateway listeners.
  const ports = snap(serviceEntry('STATIC'), workloadEntry('e1', '10.0.0.1', '  ports:\n    grpc: 9090\n'));
  assert.deepEqual(kinds(pushKinds(new Set(['WorkloadEntry']), before, ports)), ['WorkloadEntry']);
  // No change at all.
  assert.deepEqual(kinds(pushKinds(new Set(), before, before)), []);
});

function recordingLogger(lines: string[]): Logger {
  const rec = (level: string) => (msg: string) => { lines.push(`${level} ${msg}`); };
  return { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

test('startControlPlane: the snapshot follows the store; rejected edits change nothing; changes are logged', { timeout: 20_000 }, async (t) => {
  const store = new MemoryStore();
  store.applyText('se.yaml', serviceEntry('STATIC'));
  store.applyText('we.yaml', workloadEntry('e1', '10.0.0.1'));
  const lines: string[] = [];
  const cp = await startControlPlane({ store, xdsAddress: '127.0.0.1:0', logger: recordingLogger(lines) });
  t.after(() => cp.close());
  assert.ok(cp.xdsPort > 0);
  assert.equal(cp.xdsAddress, `127.0.0.1:${cp.xdsPort}`);
  assert.ok(lines.includes('info config: loaded 2 object(s)'), lines.join('\n'));
  const changes: SnapshotChange[] = [];
  cp.source.subscribe((c) => changes.push(c));
  const v0 = cp.snapshot().version;
  assert.equal(cp.snapshot().endpoints('echo.example.com', 'default', 7070).length, 1);

  store.applyText('we.yaml', `${workloadEntry('e1', '10.0.0.1')}---\n${workloadEntry('e2', '10.0.0.2')}`);
  assert.equal(changes.length, 1);
  assert.deepEqual(kinds(changes[0]!.changedKinds), ['endpoints']);
  assert.notEqual(cp.snapshot().version, v0);
  assert.equal(cp.snapshot().endpoints('echo.example.com', 'default', 7070).length, 2);
  assert.ok(lines.includes('info config: added WorkloadEntry default/e2 (we.yaml:11)'), lines.join('\n'));

  const v1 = cp.snapshot().version;
  store.applyText('se.yaml', serviceEntry('STATIC').replace('number: 7070', 'number: 0'));
  assert.equal(changes.length, 1, 'a rejected edit is not pushed');
  assert.equal(cp.snapshot().version, v1);
  assert.ok(lines.some((l) => /^error config: se\.yaml:11: error: ServiceEntry default\/echo: spec\.ports\[0\]\.number: .*the last good version \(se\.yaml:1\) stays in effect$/.test(l)), lines.join('\n'));

  store.applyText('se.yaml', serviceEntry('STATIC').replace('number: 7070', 'number: 8080'));
  assert.equal(changes.length, 2);
  assert.deepEqual(kinds(changes[1]!.changedKinds), ['ServiceEntry']);
  assert.equal(cp.snapshot().endpoints('echo.example.com', 'default', 8080).length, 2);
  // The ADS server takes it after its debounce.
  const end = Date.now() + 3000;
  while (cp.server.snapshot !== cp.snapshot() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.strictEqual(cp.server.snapshot, cp.snapshot());
});
