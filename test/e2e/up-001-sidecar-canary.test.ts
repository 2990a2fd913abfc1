/**
 * examples/001-sidecar-canary end to end, as its README promises: `trellis up` on a copy of the
 * folder (demoapp v1.0 ×3 and v1.1 ×2, proxy, the guide's client Pod), then
 * - through the ingress gateway (`Host: fe.toptops.top`): proxy → demoapp v1.0, `/canary` → v1.1;
 * - from the client through `trellis exec`: `/canary` → v1.1, the rest → v1.0;
 * - step 01 copied in while up runs: about 10% of 200 requests answer v1.1 (tolerance 6..40);
 * - step 02 (Sidecar REGISTRY_ONLY, egress only port 8080 of its namespace): the client still
 *   reaches demoapp:8080, `proxy:80` answers 502 and `trellis status` and `trellis explain` name
 *   the blocked host and the Sidecar; a pod address on port 8080, outside the registry, is
 *   blocked too;
 * - step 03 (ALLOW_ANY): that pod address passes through (PassthroughCluster).
 * Everything is stopped in `after`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';
import { get, getVia, meshForFile, until } from './helpers/up.js';

const EXAMPLE = join(REPO_ROOT, 'examples', '001-sidecar-canary');
const INGRESS = 'http://127.0.10.1:8080';
const HOST = 'fe.toptops.top';
const mesh = meshForFile(EXAMPLE);
/** The pod address of client, whose sidecar the requests from inside the mesh go to. */
const clientIp = (): string => mesh().podIp('client');

test('up runs the guide\'s workloads and the client Pod', { timeout: 5000 }, () => {
  const up = mesh();
  for (const name of ['client', 'demoappv10-0', 'demoappv10-1', 'demoappv10-2', 'demoappv11-0', 'demoappv11-1', 'proxy-0']) {
    assert.match(up.out, new RegExp(`default\\s+${name}\\s+\\S+\\s+127\\.1\\.\\d+\\.\\d+\\s+yes`), name);
  }
  assert.match(up.out, /trellis exec client -- curl -s http:\/\/demoapp:8080\/canary/);
  assert.equal(up.err, '', 'nothing went wrong');
});

test('ingress: fe.toptops.top → proxy → demoapp v1.0; /canary → v1.1', { timeout: 15_000 }, async () => {
  const up = mesh();
  const r = await get(`${INGRESS}/`, HOST);
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /^Proxying value: iKubernetes demoapp v1\.0 !! ClientIP: 127\.0\.0\.6, ServerName: demoappv10-\d/);
  assert.match((await get(`${INGRESS}/canary`, HOST)).body, /^Proxying value: iKubernetes demoapp v1\.1 /);
});

test('trellis exec client: /canary → v1.1, / → v1.0', { timeout: 40_000 }, async () => {
  const up = mesh();
  const canary = await up.cli(['exec', 'client', '--', 'curl', '-s', 'http://demoapp:8080/canary']);
  assert.equal(canary.code, 0, canary.err);
  assert.match(canary.out, /^iKubernetes demoapp v1\.1 !! ClientIP: 127\.0\.0\.6, ServerName: demoappv11-\d/);
  const dflt = await up.cli(['exec', 'client', '--', 'curl', '-s', 'http://demoapp:8080/']);
  assert.match(dflt.out, /^iKubernetes demoapp v1\.0 /);
});

test('step 01: 90/10 between v1.0 and v1.1 through the ingress gateway', { timeout: 60_000 }, async () => {
  const up = mesh();
  up.applyStep(join(EXAMPLE, 'steps', '01-weight-based-routing'));
  await until('the weighted route', () => /config: updated VirtualService default\/demoapp/.test(up.out), 10_000, 50);
  await new Promise((r) => setTimeout(r, 500));
  const counts: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const r = await get(`${INGRESS}/`, HOST);
    assert.equal(r.status, 200, r.body);
    const v = /demoapp (v1\.\d)/.exec(r.body)?.[1] ?? r.body;
    counts[v] = (counts[v] ?? 0) + 1;
  }
  assert.deepEqual(Object.keys(counts).sort(), ['v1.0', 'v1.1'], JSON.stringify(counts));
  assert.ok(counts['v1.1']! >= 6 && counts['v1.1']! <= 40, `about 10% to v1.1 (${JSON.stringify(counts)})`);
});

test('step 02: REGISTRY_ONLY lets the client reach demoapp:8080 only; proxy:80 is blocked and reported', { timeout: 60_000 }, async () => {
  const up = mesh();
  const proxyPod = up.podIp('proxy');
  assert.equal((await getVia(clientIp(), `http://${proxyPod}:8080/`)).status, 200, 'before the Sidecar, the pod answers');
  up.applyStep(join(EXAMPLE, 'steps', '02-sidecar-registry-only'));
  await until('the Sidecar in effect', async () => (await getVia(clientIp(), 'http://proxy/')).status === 502, 10_000, 50);
  const blocked = await up.cli(['exec', 'client', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://proxy/']);
  assert.equal(blocked.out, '502');
  assert.match((await getVia(clientIp(), 'http://demoapp:8080/')).body, /^iKubernetes demoapp v1\.[01] /);
  assert.equal((await getVia(clientIp(), `http://${proxyPod}:8080/`)).status, 502, 'an address outside the registry');
  const status = await up.cli(['status']);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /default\/client: requests blocked by REGISTRY_ONLY to proxy\b/);
  const ex = await up.cli(['explain', 'client', 'http://proxy/']);
  assert.match(ex.out, /result: BLOCKED/);
  assert.match(ex.out, /set by Sidecar default\/client \(.*sidecar-demo\.yaml:\d+, spec\.outboundTrafficPolicy\.mode\)/);
  await until('the blocked line in up\'s output', () => /blocked: default\/client → proxy:80 is outside this proxy's registry view/.test(up.out + up.err), 5000);
});

test('step 03: ALLOW_ANY passes what the Sidecar does not import through', { timeout: 40_000 }, async () => {
  const up = mesh();
  const proxyPod = up.podIp('proxy');
  up.applyStep(join(EXAMPLE, 'steps', '03-sidecar-allow-any'));
  await until('ALLOW_ANY in effect', async () => (await getVia(clientIp(), `http://${proxyPod}:8080/`)).status === 200, 10_000, 50);
  const r = await getVia(clientIp(), `http://${proxyPod}:8080/`);
  assert.match(r.body, /^Proxying value: iKubernetes demoapp v1\.[01] /);
  assert.match(up.log('default', 'client'), new RegExp(`"GET / HTTP/1\\.1" 200 .*"${proxyPod.replace(/\./g, '\\.')}:8080" PassthroughCluster `));
  assert.match((await getVia(clientIp(), 'http://demoapp:8080/')).body, /^iKubernetes demoapp v1\.[01] /);
});
