/**
 * The Trellis proxy as an ingress gateway (router): one listener per Gateway server port, bound
 * on the gateway's IP. HTTP/1.1 and prior-knowledge HTTP/2 cleartext requests for the Gateway's
 * host are routed by the gateway-bound VirtualService; a TCP server port proxies connections to
 * weighted clusters (50/50 between two TCP services, within tolerance).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { serviceYaml, startMesh, upstream, waitFor, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const GW_IP = '127.0.64.1';
const HTTP_PORT = 18088;
const TCP_PORT = 19000;
let mesh: Mesh;
let web: Upstream;
const tcpServers: net.Server[] = [];
const tcpPorts: number[] = [];

async function tcpUpstream(name: string, address: string): Promise<void> {
  const s = net.createServer((c) => { c.end(`${name}\n`); });
  await new Promise<void>((r) => s.listen(0, address, () => r()));
  tcpServers.push(s);
  tcpPorts.push((s.address() as AddressInfo).port);
}

function tcpService(name: string, address: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  ports: [{name: tcp, port: 9100, targetPort: tcp, protocol: TCP}]
  selector: {app: ${name}}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: ${name}, namespace: default}
spec: {address: ${address}, ports: {tcp: ${port}}, labels: {app: ${name}}}
`;
}

before(async () => {
  web = await upstream('web', '127.0.64.10');
  await tcpUpstream('tcp-a', '127.0.64.11');
  await tcpUpstream('tcp-b', '127.0.64.12');
  const yaml = [
    serviceYaml('web', 8080, [{ u: web, labels: {} }]),
    tcpService('tcp-a', '127.0.64.11', tcpPorts[0]!),
    tcpService('tcp-b', '127.0.64.12', tcpPorts[1]!),
    `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: ingress, namespace: istio-system}
spec: {address: ${GW_IP}, labels: {app: istio-ingressgateway, istio: ingressgateway}}
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${HTTP_PORT}, name: http, protocol: HTTP}
    hosts: ["fe.example.com"]
  - port: {number: ${TCP_PORT}, name: tcp, protocol: TCP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: fe, namespace: default}
spec:
  hosts: ["fe.example.com"]
  gateways: [istio-system/gw]
  http:
  - route: [{destination: {host: web, port: {number: 8080}}}]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: tcp, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  tcp:
  - match: [{port: ${TCP_PORT}}]
    route:
    - {destination: {host: tcp-a, port: {number: 9100}}, weight: 50}
    - {destination: {host: tcp-b, port: {number: 9100}}, weight: 50}
`,
  ].join('---\n');
  mesh = await startMesh(yaml, { ip: GW_IP, type: 'router', name: 'ingress', namespace: 'istio-system', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } }, [web]);
  await waitFor('gateway listeners bound', () => mesh.proxy.listeners.bound().size >= 2);
});

after(async () => {
  await mesh?.close();
  for (const s of tcpServers) s.close();
});

test('gateway: HTTP/1.1 for the Gateway host is routed to the service', async () => {
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    http.get({ host: GW_IP, port: HTTP_PORT, path: '/index', headers: { host: 'fe.example.com' } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    }).on('error', reject);
  });
  assert.equal(r.status, 200, `${r.body}\n${mesh.access.join('\n')}\n${[...mesh.proxy.listeners.bound()]}`);
  assert.equal(JSON.parse(r.body).path, '/index');
  const miss = await new Promise<number>((resolve, reject) => {
    http.get({ host: GW_IP, port: HTTP_PORT, path: '/', headers: { host: 'other.example.com' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
  assert.equal(miss, 404);
});

test('gateway: prior-knowledge h2c is served too', async () => {
  const client = http2.connect(`http://${GW_IP}:${HTTP_PORT}`);
  try {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = client.request({ ':path': '/h2', ':authority': 'fe.example.com' });
      let status = 0;
      let body = '';
      req.on('response', (h) => { status = Number(h[':status']); });
      req.on('data', (c) => (body += c));
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200, body);
    assert.equal(JSON.parse(body).path, '/h2');
  } finally {
    client.close();
  }
});

test('gateway: TCP server port proxies to weighted clusters (50/50)', async () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    const line = await new Promise<string>((resolve, reject) => {
      const s = net.connect(TCP_PORT, GW_IP);
      let b = '';
      s.on('data', (d) => (b += d));
      s.on('end', () => { s.end(); resolve(b.trim()); });
      s.on('error', reject);
      s.setTimeout(3000, () => { s.destroy(); reject(new Error(`tcp read timed out: ${JSON.stringify(b)}`)); });
    });
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ['tcp-a', 'tcp-b'], JSON.stringify([...counts]));
  assert.ok((counts.get('tcp-a') ?? 0) >= 15 && (counts.get('tcp-b') ?? 0) >= 15, JSON.stringify([...counts]));
});
