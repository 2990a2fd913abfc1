/**
 * The route configurations a sidecar is given when nobody named them (`sidecarRouteNames`) are
 * exactly those its listeners ask for over RDS, with protocol sniffing off (UNKNOWN ports are
 * TCP: no route) and on (sniffed ports get `PORT` or `HOST:PORT` routes): checked for every
 * workload of every example scenario and step, and of Istio's sample configs. Gateways: every
 * route name their listeners ask for is one the route compiler has servers for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { rdsNames } from '../../src/compile/index.js';
import { compileListeners } from '../../src/compile/listeners/index.js';
import { gatewayRoutedServers, sidecarRouteNames } from '../../src/compile/routes/index.js';
import { loadTexts } from '../../src/config/load.js';
import { proxyForWorkload, proxyFromNode } from '../../src/model/proxy.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';
import { isGoTemplate } from '../helpers/go-template.js';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';
import { snapshotFrom } from '../helpers/snapshot.js';

function disagreement(snap: Snapshot, proxy: Proxy, where: string): string[] {
  const out: string[] = [];
  for (const protocolSniffing of [false, true]) {
    const asked = [...new Set(rdsNames(compileListeners(snap, proxy, { protocolSniffing })))].sort();
    const given = [...sidecarRouteNames(snap, proxy, { protocolSniffing })].sort();
    if (asked.join(' ') !== given.join(' ')) {
      out.push(`${where} ${proxy.namespace}/${proxy.podName} sniffing=${protocolSniffing}: listeners ask [${asked.join(', ')}], routes give [${given.join(', ')}]`);
    }
  }
  return out;
}

/** Every scenario input: the base folder (or each cluster folder) alone, then with each step. */
function exampleInputs(): string[][] {
  const out: string[][] = [];
  const ex = join(REPO_ROOT, 'examples');
  for (const d of readdirSync(ex, { withFileTypes: true }).filter((x) => x.isDirectory())) {
    const dir = join(ex, d.name);
    const clusters = readdirSync(dir, { withFileTypes: true }).filter((x) => x.isDirectory() && x.name.startsWith('cluster')).map((x) => join(dir, x.name));
    for (const base of clusters.length ? clusters : [dir]) {
      out.push([base]);
      const steps = join(base, 'steps');
      if (existsSync(steps)) for (const s of readdirSync(steps).sort()) out.push([base, join(steps, s)]);
    }
  }
  return out;
}

test('sidecarRouteNames agrees with the listeners\' RDS names on every example', () => {
  const problems: string[] = [];
  for (const input of exampleInputs()) {
    const snap = snapshotFrom(input);
    for (const w of snap.registry.workloads) {
      if (!w.sidecar) continue;
      problems.push(...disagreement(snap, proxyForWorkload(w, snap), relative(REPO_ROOT, input.at(-1)!)));
    }
  }
  assert.deepEqual(problems, []);
});

const samples = sharedPath('conformance', 'istio-samples');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(p);
  }
  return out;
}

test('sidecarRouteNames agrees with the listeners\' RDS names on Istio\'s samples', { skip: samples.skip }, () => {
  const problems: string[] = [];
  for (const file of files(samples.path)) {
    const text = readFileSync(file, 'utf8');
    if (isGoTemplate(text)) continue;
    const rel = relative(samples.path, file);
    const raws = loadTexts([{ file: rel, text }]).objects.filter((o) => o.valid).map((o) => o.raw);
    if (raws.length === 0) continue;
    const snap = buildSnapshot(raws);
    const namespaces = new Set(raws.map((r) => r.metadata.namespace || 'default'));
    const proxies = [...namespaces].map((ns) => proxyFromNode(`sidecar~10.250.0.1~probe.${ns}~${ns}.svc.cluster.local`, { NAMESPACE: ns }));
    for (const w of snap.registry.workloads) if (w.sidecar) proxies.push(proxyForWorkload(w, snap));
    for (const p of proxies) problems.push(...disagreement(snap, p, rel));
  }
  assert.deepEqual(problems, []);
});

const MIXED = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: web, port: 9000}, {name: http-api, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c}]}
`;

test('UNKNOWN ports get no route unless sniffed; then the route is HOST:PORT for a VIP-bound listener', () => {
  const snap = snapshotFrom(MIXED);
  const client = proxyForWorkload(snap.registry.workloads.find((w) => w.name === 'client')!, snap);
  // 80: the built-in gateways' HTTP port.
  assert.deepEqual(sidecarRouteNames(snap, client), ['80', '8080']);
  assert.deepEqual(sidecarRouteNames(snap, client, { protocolSniffing: true }), ['80', '8080', 'web.default.svc.cluster.local:9000']);
  assert.deepEqual(disagreement(snap, client, 'inline'), []);
});

test('a Sidecar egress port declared HTTP gets its route even when the services there are not HTTP', () => {
  const snap = snapshotFrom(`${MIXED}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: client, namespace: default}
spec:
  workloadSelector: {labels: {app: client}}
  egress:
  - port: {number: 9000, protocol: HTTP, name: http}
    hosts: [./web.default.svc.cluster.local]
  - hosts: [istio-system/*]
`);
  const client = proxyForWorkload(snap.registry.workloads.find((w) => w.name === 'client')!, snap);
  assert.deepEqual(sidecarRouteNames(snap, client), ['80', '9000']);
  assert.deepEqual(disagreement(snap, client, 'inline'), []);
});

test('gateways: every route configuration the listeners ask for is one the route compiler serves', () => {
  const problems: string[] = [];
  const inputs = exampleInputs();
  for (const input of inputs) {
    const snap = snapshotFrom(input);
    for (const w of snap.registry.workloads) {
      const proxy = proxyForWorkload(w, snap);
      if (proxy.type !== 'router') continue;
      const served = new Set(gatewayRoutedServers(snap, proxy).keys());
      for (const n of rdsNames(compileListeners(snap, proxy))) {
        if (!served.has(n)) problems.push(`${relative(REPO_ROOT, input.at(-1)!)} ${w.name}: listeners ask for ${n}, routes serve [${[...served].join(', ')}]`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
