/**
 * Seed 000 (external services), end to end with the example's own files
 * (examples/000-external-services), the nginx "physical machine" address 127.0.0.25 rewritten
 * to an address of this test's own (a small HTTP server stands in for that nginx on port 80):
 * - base: a STATIC ServiceEntry for the server outside the mesh; the sidecar sends to it directly;
 * - steps/01-workload-entry: the endpoint becomes a WorkloadEntry and the route goes to subset v10;
 * - steps/02-egress-gateway: the sidecar sends ngx.hj.com to the egress gateway (a second Trellis
 *   proxy, `router`, on the built-in egress gateway address 127.0.10.2, listener 8080), which sends
 *   it on to subset v10: the request crosses both proxies (both access logs and both proxies'
 *   istio_requests_total) and reaches the server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EGRESS_GATEWAY_ADDRESS } from '../../src/registry/address-plan.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server/proxy.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { CLIENT_ENTRY, get, startMesh, upstream, waitFor, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const EXAMPLE = join(REPO_ROOT, 'examples/000-external-services');
const IP = '127.0.84.1';
const NGINX_IP = '127.0.84.25';
let mesh: Mesh;
let egress: RunningProxy | undefined;
const egressAccess: string[] = [];
let nginx: Upstream;

/** An example file with the guide's nginx address moved to this test's. */
const example = (path: string) => readFileSync(join(EXAMPLE, path), 'utf8').replaceAll('127.0.0.25', NGINX_IP);

before(async () => {
  nginx = await upstream('ngx.hj.com', NGINX_IP, undefined, 80);
  mesh = await startMesh(CLIENT_ENTRY(IP), { ip: IP }, [nginx]);
  mesh.store.applyText('serviceentry-ngx.yaml', example('serviceentry-ngx.yaml'));
  mesh.store.applyText('traffic-ngx.yaml', example('traffic-ngx.yaml'));
});

after(async () => {
  await egress?.close();
  await mesh?.close();
});

const sidecarLine = (path: string) => [...mesh.access].reverse().find((l) => l.includes(`"GET ${path} HTTP/1.1"`));

test('base: a STATIC ServiceEntry for a server outside the mesh, straight from the sidecar', { timeout: 10_000 }, async () => {
  await waitFor('the ServiceEntry route', async () => (await get(mesh.explicit, 'http://ngx.hj.com/probe')).status === 200);
  const r = await get(mesh.explicit, 'http://ngx.hj.com/static', { 'x-user': 'alice' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json?.name, 'ngx.hj.com');
  assert.equal(r.json?.path, '/static');
  assert.equal(r.json?.headers['host'], 'ngx.hj.com');
  await waitFor('the access log line', () => sidecarLine('/static') !== undefined);
  const line = sidecarLine('/static')!;
  assert.ok(line.includes('outbound|80||ngx.hj.com') && line.includes(`"${NGINX_IP}:80"`), line);
});

test('steps/01: the endpoint as a WorkloadEntry, routed to subset v10', { timeout: 10_000 }, async () => {
  mesh.store.applyText('serviceentry-ngx.yaml', example('steps/01-workload-entry/serviceentry-ngx.yaml'));
  mesh.store.applyText('traffic-ngx.yaml', example('steps/01-workload-entry/traffic-ngx.yaml'));
  await waitFor('the v10 route', async () => {
    const r = await get(mesh.explicit, 'http://ngx.hj.com/we');
    return r.status === 200 && (sidecarLine('/we')?.includes('outbound|80|v10|ngx.hj.com') ?? false);
  });
  const line = sidecarLine('/we')!;
  assert.ok(line.includes(`"${NGINX_IP}:80"`), line);
});

test('steps/02: sidecar → egress gateway (127.0.10.2) → the external server', { timeout: 15_000 }, async () => {
  egress = await startProxy({
    xds: `127.0.0.1:${mesh.cp.xdsPort}`, type: 'router', ip: EGRESS_GATEWAY_ADDRESS, name: 'istio-egressgateway-0', namespace: 'istio-system',
    workloadName: 'istio-egressgateway', serviceAccount: 'istio-egressgateway-service-account',
    labels: { app: 'istio-egressgateway', istio: 'egressgateway' },
    log: (l) => mesh.logs.push(`egress: ${l}`), accessLog: (l) => egressAccess.push(l),
  });
  // Step 02 replaces traffic-ngx.yaml (step 01's DestinationRule, the new ngx-vs) and adds the Gateway.
  mesh.store.applyText('traffic-ngx.yaml', example('steps/02-egress-gateway/traffic-ngx.yaml'));
  mesh.store.applyText('egress-gateway-ngx.yaml', example('steps/02-egress-gateway/egress-gateway-ngx.yaml'));
  await waitFor('the egress gateway listener', () => egress!.listeners.bound().get('0.0.0.0_8080') === `${EGRESS_GATEWAY_ADDRESS}:8080`);
  const before = nginx.hits;
  await waitFor('the hop through the egress gateway', async () => {
    const r = await get(mesh.explicit, 'http://ngx.hj.com/hop');
    return r.status === 200 && egressAccess.some((l) => l.includes('"GET /hop HTTP/1.1" 200'));
  }, 8000).catch((e: Error) => assert.fail(`${e.message}\nsidecar:\n${mesh.access.slice(-5).join('\n')}\negress:\n${egressAccess.join('\n')}\n${mesh.logs.join('\n')}`));
  const r = await get(mesh.explicit, 'http://ngx.hj.com/hop2', { 'x-user': 'bob' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json?.name, 'ngx.hj.com');
  assert.equal(r.json?.path, '/hop2');
  assert.equal(r.json?.headers['host'], 'ngx.hj.com');
  assert.ok(nginx.hits > before, 'the server was reached');
  // Crossed both proxies: the sidecar sent it to the egress gateway's cluster, the gateway to v10.
  await waitFor('both access log lines', () => sidecarLine('/hop2') !== undefined && egressAccess.some((l) => l.includes('"GET /hop2 HTTP/1.1"')));
  const side = sidecarLine('/hop2')!;
  assert.ok(side.includes('outbound|80||istio-egressgateway.istio-system.svc.cluster.local'), side);
  assert.ok(side.includes(`"${EGRESS_GATEWAY_ADDRESS}:8080"`), side);
  const gw = egressAccess.find((l) => l.includes('"GET /hop2 HTTP/1.1"'))!;
  assert.ok(gw.includes('"GET /hop2 HTTP/1.1" 200'), gw);
  assert.ok(gw.includes('outbound|80|v10|ngx.hj.com') && gw.includes(`"${NGINX_IP}:80"`), gw);
  assert.ok(gw.includes('"ngx.hj.com"'), `the gateway saw the original host: ${gw}`);
  // And both proxies' Istio metrics: the sidecar reports to the egress gateway, the gateway to ngx.hj.com.
  const series = (p: RunningProxy) => p.stats.istio.httpSeries().map((s) => Object.fromEntries(s.labels));
  assert.ok(series(mesh.proxy).some((l) => l['destination_service'] === 'istio-egressgateway.istio-system.svc.cluster.local' && l['response_code'] === '200'),
    JSON.stringify(series(mesh.proxy)));
  assert.ok(series(egress).some((l) => l['destination_service'] === 'ngx.hj.com' && l['reporter'] === 'source' && l['source_workload'] === 'istio-egressgateway'),
    JSON.stringify(series(egress)));
});
