/**
 * `trellis proxy` carries traffic: a child process (`node --import tsx src/cli/entry.ts proxy
 * --outbound explicit …`) against a real in-process control plane (MemoryStore: a Service with a
 * WorkloadEntry pointing at a local node:http upstream, the client's own WorkloadEntry, and a
 * Sidecar with outboundTrafficPolicy REGISTRY_ONLY). Through the explicit proxy on IP:15001 the
 * upstream answers; the proxy prints an access log line (Istio's format), exports
 * istio_requests_total with response_code="200" on :15090/stats/prometheus, shows the live host
 * on /clusters; a request to an unregistered host gets 502, its host is logged and counted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MemoryStore } from '../../src/config/store/memory.js';
import { startControlPlane, type ControlPlane } from '../../src/xds/control-plane.js';
import { REPO_ROOT } from '../helpers/shared.js';

const CLIENT_IP = '127.0.71.1';
const UPSTREAM_IP = '127.0.71.10';

let cp: ControlPlane;
let child: ChildProcess;
let upstream: http.Server;
let upstreamPort = 0;
let out = '';
let err = '';

async function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n--- stdout\n${out}\n--- stderr\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An absolute-form request through the explicit proxy. */
function viaProxy(url: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: CLIENT_IP, port: 15001, method: 'GET', path: url, headers: { host: u.host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end();
  });
}

const port = (what: string) => Number(new RegExp(`${what} listening on [^\\s]+:(\\d+)`).exec(out)![1]);

before(async () => {
  upstream = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name: 'backend', path: req.url }));
  });
  await new Promise<void>((r) => upstream.listen(0, UPSTREAM_IP, () => r()));
  upstreamPort = (upstream.address() as AddressInfo).port;
  const store = new MemoryStore();
  store.applyText('mesh.yaml', `apiVersion: v1
kind: Service
metadata: {name: backend, namespace: default}
spec:
  ports: [{name: http, port: 8080, targetPort: http}]
  selector: {app: backend}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: backend-0, namespace: default}
spec: {address: ${UPSTREAM_IP}, ports: {http: ${upstreamPort}}, labels: {app: backend, version: v1}}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: client-0, namespace: default}
spec: {address: ${CLIENT_IP}, labels: {app: client}}
---
apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`);
  cp = await startControlPlane({ store, xdsAddress: '127.0.0.1:0', ads: { debounceMs: 10, debounceMaxMs: 50 } });
  child = spawn(process.execPath, [
    '--import', 'tsx', join(REPO_ROOT, 'src/cli/entry.ts'), 'proxy',
    '--xds', cp.xdsAddress, '--type', 'sidecar', '--ip', CLIENT_IP, '--name', 'client-0', '--namespace', 'default',
    '--labels', 'app=client', '--outbound', 'explicit',
    '--admin-port', '0', '--health-port', '0', '--prometheus-port', '0',
  ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await waitFor('the prometheus port line', () => /prometheus listening on /.test(out) || child.exitCode !== null);
  assert.equal(child.exitCode, null, `proxy exited early:\n${out}\n${err}`);
  await waitFor('ready on 15021', async () => (await fetch(`http://${CLIENT_IP}:${port('health')}/healthz/ready`)).status === 200);
  // The explicit proxy is bound once the first snapshot is in effect.
  await waitFor('the explicit proxy on 15001', async () => {
    try {
      return (await viaProxy('http://backend:8080/warmup')).status === 200;
    } catch {
      return false;
    }
  });
});

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await cp?.close();
  await new Promise<void>((r) => { upstream?.closeAllConnections(); upstream ? upstream.close(() => r()) : r(); });
});

test('the upstream answers through the explicit proxy and the request is logged in Istio format', async () => {
  const r = await viaProxy('http://backend:8080/hello');
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).name, 'backend');
  await waitFor('the access log line', () => /"GET \/hello HTTP\/1\.1" 200 - /.test(out));
  const line = out.split('\n').find((l) => l.includes('"GET /hello HTTP/1.1" 200'))!;
  assert.ok(line.includes('"backend:8080"'), line);
  assert.ok(line.includes(`"${UPSTREAM_IP}:${upstreamPort}"`), line);
  assert.ok(line.includes('outbound|8080||backend.default.svc.cluster.local'), line);
});

test('istio_requests_total with response_code="200" appears on :15090/stats/prometheus', async () => {
  await viaProxy('http://backend:8080/metrics-check');
  const text = await (await fetch(`http://${CLIENT_IP}:${port('prometheus')}/stats/prometheus`)).text();
  const series = text.split('\n').filter((l) => l.startsWith('istio_requests_total{') && l.includes('response_code="200"'));
  assert.ok(series.length > 0, text.slice(0, 4000));
  const s = series[0]!;
  assert.ok(s.includes('reporter="source"'), s);
  assert.ok(s.includes('source_workload="client-0"'), s);
  assert.ok(s.includes('destination_service="backend.default.svc.cluster.local"'), s);
  assert.ok(s.includes('destination_workload="backend-0"'), s);
  assert.match(s, /\s(\d+)$/);
  assert.ok(Number(/\s(\d+)$/.exec(s)![1]) >= 2, s);
});

test('/clusters shows the live host of the backend cluster', async () => {
  const text = await (await fetch(`http://${CLIENT_IP}:${port('admin')}/clusters`)).text();
  assert.ok(text.includes(`outbound|8080||backend.default.svc.cluster.local::${UPSTREAM_IP}:${upstreamPort}::rq_total::`), text.slice(0, 4000));
});

test('REGISTRY_ONLY: an unknown host gets 502, is logged and counted', async () => {
  const r = await viaProxy('http://unknown.example.com:8080/x');
  assert.equal(r.status, 502);
  await waitFor('the blocked host in the log', () => out.includes('unknown.example.com:8080') && /blocked.*unknown\.example\.com:8080/.test(out));
  const stats = await (await fetch(`http://${CLIENT_IP}:${port('admin')}/stats`)).text();
  assert.match(stats, /blackhole\.requests: [1-9]/, stats.slice(0, 3000));
});
