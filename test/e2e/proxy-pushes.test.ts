/**
 * 50 config pushes under load with zero failed requests: while clients send steady keep-alive
 * traffic through a sidecar (explicit outbound) and through an ingress gateway, 50 changes are
 * applied to the store: VirtualService weights flipped (v1 ↔ v2 ↔ 50/50), a response header op
 * added and removed, a DestinationRule connection-pool field changed (the cluster is rebuilt),
 * and a second Gateway server port added and removed (a listener appears and goes while the
 * loaded one stays bound). Every request succeeds, the clients keep their connections (the
 * unchanged listener is never rebound), and the final config is in effect on both proxies.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProxy, type RunningProxy } from '../../src/proxy/server/proxy.js';
import { CLIENT_ENTRY, send, serviceYaml, startMesh, upstream, waitFor, type Mesh, type Upstream } from './helpers/proxy-harness.js';
import { describeLoad, startLoad, type LoadReply } from './helpers/load.js';

const IP = '127.0.82.1';
const GW_IP = '127.0.82.2';
const GW_PORT = 18280;
const GW_EXTRA_PORT = 18281;
let mesh: Mesh;
let gw: RunningProxy;
let v1: Upstream, v2: Upstream;

const gatewayYaml = (extra: boolean) => `apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${GW_PORT}, name: http, protocol: HTTP}
    hosts: ["web.example.com"]
${extra ? `  - port: {number: ${GW_EXTRA_PORT}, name: http-extra, protocol: HTTP}\n    hosts: ["extra.example.com"]\n` : ''}`;

const drYaml = (maxRequestsPerConnection: number) => `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: web, namespace: default}
spec:
  host: web
  trafficPolicy:
    connectionPool:
      http: {maxRequestsPerConnection: ${maxRequestsPerConnection}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;

const vsYaml = (w1: number, header: string | undefined) => `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web, web.example.com]
  gateways: [mesh, istio-system/gw]
  http:
  - route:
    - {destination: {host: web, subset: v1}, weight: ${w1}}
    - {destination: {host: web, subset: v2}, weight: ${100 - w1}}
${header ? `    headers: {response: {set: {x-push: "${header}"}}}\n` : ''}`;

const GW_ENTRY = `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: ingress, namespace: istio-system}
spec: {address: ${GW_IP}, labels: {app: istio-ingressgateway, istio: ingressgateway}}
`;

before(async () => {
  // Every fifth request is slow (150 ms), so that pushes land while requests are in flight.
  const slow = (name: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!req.url?.includes('slow')) return false;
    setTimeout(() => res.end(JSON.stringify({ name, path: req.url })), 150);
    return true;
  };
  v1 = await upstream('v1', '127.0.82.10', slow('v1'));
  v2 = await upstream('v2', '127.0.82.11', slow('v2'));
  const base = [
    serviceYaml('web', 8080, [{ u: v1, labels: { version: 'v1' } }, { u: v2, labels: { version: 'v2' } }]),
    CLIENT_ENTRY(IP), GW_ENTRY,
  ].join('---\n');
  mesh = await startMesh(base, { ip: IP }, [v1, v2]);
  mesh.store.applyText('gw.yaml', gatewayYaml(false));
  mesh.store.applyText('dr.yaml', drYaml(0));
  mesh.store.applyText('vs.yaml', vsYaml(100, undefined));
  gw = await startProxy({
    xds: `127.0.0.1:${mesh.cp.xdsPort}`, type: 'router', ip: GW_IP, name: 'ingress', namespace: 'istio-system',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, log: (l) => mesh.logs.push(`gw: ${l}`),
  });
  await waitFor('the gateway listener', () => [...gw.listeners.bound().values()].includes(`${GW_IP}:${GW_PORT}`));
});

after(async () => {
  await gw?.close();
  await mesh?.close();
});

const ok = (r: LoadReply) => {
  if (r.status !== 200) return { error: `status ${r.status}: ${r.body.slice(0, 200)}` };
  try {
    const j = JSON.parse(r.body) as { name?: string };
    return { label: String(j.name) };
  } catch {
    return { error: `not JSON: ${r.body.slice(0, 200)}` };
  }
};

test('50 pushes under load through a sidecar and a gateway: no failed request, the final config in effect', { timeout: 40_000 }, async () => {
  const side = startLoad({ host: IP, port: 15001, path: (n) => `http://web:8080/${n % 5 ? 'load' : 'slow'}` }, 60, ok, 8);
  const edge = startLoad({ host: GW_IP, port: GW_PORT, path: (n) => (n % 5 ? '/load' : '/slow'), headers: { host: 'web.example.com' } }, 60, ok, 8);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const weights = [0, 50, 100];
    let w1 = 100;
    let header: string | undefined;
    let extra = false;
    let maxReq = 0;
    for (let i = 0; i < 50; i++) {
      switch (i % 4) {
        case 0: w1 = weights[(i / 4) % 3]!; mesh.store.applyText('vs.yaml', vsYaml(w1, header)); break;
        case 1: header = header ? undefined : `push-${i}`; mesh.store.applyText('vs.yaml', vsYaml(w1, header)); break;
        case 2: maxReq = maxReq ? 0 : 100; mesh.store.applyText('dr.yaml', drYaml(maxReq)); break;
        case 3: extra = !extra; mesh.store.applyText('gw.yaml', gatewayYaml(extra)); break;
      }
      await new Promise((r) => setTimeout(r, 60));
    }
    // The last state: w1 = 0 (all to v2), header push-49? (toggled), extra port as left, maxReq as left.
    const wantHeader = header;
    const final = async (ip: string, port: number, path: string, host: string) => {
      const r = await send({ ip, port }, path, { headers: { host }, fresh: true });
      return r.status === 200 && r.json?.name === (w1 === 100 ? 'v1' : w1 === 0 ? 'v2' : r.json?.name) && r.headers['x-push'] === wantHeader;
    };
    await waitFor('the final config on the sidecar', () => final(IP, 15001, 'http://web:8080/final', 'web:8080'), 5000);
    await waitFor('the final config on the gateway', () => final(GW_IP, GW_PORT, '/final', 'web.example.com'), 5000);
    assert.equal([...gw.listeners.bound().values()].includes(`${GW_IP}:${GW_EXTRA_PORT}`), extra, `extra listener bound: ${[...gw.listeners.bound()]}`);
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    const rs = await side.stop();
    const re = await edge.stop();
    if (process.env.TRELLIS_E2E_VERBOSE) console.log(describeLoad(rs), '\n', describeLoad(re));
    assert.equal(rs.failed, 0, `sidecar: ${describeLoad(rs)}\n${mesh.logs.slice(-20).join('\n')}`);
    assert.equal(re.failed, 0, `gateway: ${describeLoad(re)}\n${mesh.logs.slice(-20).join('\n')}`);
    assert.ok(rs.ok > 150 && re.ok > 150, `${describeLoad(rs)}\n${describeLoad(re)}`);
    // Keep-alive connections survived every push (the loaded listener was never rebound).
    assert.ok(rs.connections <= 8 && re.connections <= 8, `connections: sidecar ${rs.connections}, gateway ${re.connections}`);
    assert.ok((rs.labels.get('v1') ?? 0) > 0 && (rs.labels.get('v2') ?? 0) > 0, describeLoad(rs));
  }
});
