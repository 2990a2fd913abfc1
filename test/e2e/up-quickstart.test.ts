/**
 * The quick start end to end: the real `trellis up -f <copy of examples/quickstart>` as a child
 * process (control plane, both gateways, six pods with a sidecar and a built-in app each), then
 * what the quick start promises: the guide's answer through the ingress gateway (ClientIP
 * 127.0.0.6, as Istio's inbound passthrough shows it), the canary through `trellis exec`,
 * `trellis status -o json`, a VirtualService edit that changes routing within 1 s while a steady
 * stream of requests sees no failure, a killed app that shows as not ready and comes back, and
 * `trellis down` leaving no process behind. Everything is stopped in `after`, even on failure.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { get, isAlive, pidsOf, startUp, until, type UpRun } from './helpers/up.js';

const INGRESS = 'http://127.0.10.1:8080/';
const HOST = 'fe.toptops.top';
let up: UpRun;

before(async () => {
  up = await startUp(join(REPO_ROOT, 'examples', 'quickstart'));
  await up.waitFor(/ready in [\d.]+ s/, 90_000);
}, { timeout: 330_000 });

after(async () => {
  await up?.close();
}, { timeout: 30_000 });

test('up prints the workload table, the ingress address and commands to try', { timeout: 5000 }, () => {
  assert.match(up.out, /NAMESPACE\s+NAME\s+VERSION\s+ADDRESS\s+READY/);
  for (const name of ['istio-ingressgateway-0', 'istio-egressgateway-0', 'demoappv10-0', 'demoappv10-1', 'demoappv10-2', 'demoappv11-0', 'demoappv11-1', 'proxy-0']) {
    assert.match(up.out, new RegExp(`\\s${name}\\s.*\\syes\\s`), name);
  }
  assert.match(up.out, /ingress: http:\/\/127\.0\.10\.1:8080/);
  assert.match(up.out, /curl -H 'Host: fe\.toptops\.top' http:\/\/127\.0\.10\.1:8080\//);
  assert.match(up.out, /trellis exec proxy -- curl -s http:\/\/demoapp:8080\/canary/);
  assert.match(up.out, /trellis status/);
  assert.equal(up.err, '', 'nothing went wrong');
});

test('through the ingress gateway: the proxy answers with demoapp v1.0, called from 127.0.0.6', { timeout: 10_000 }, async () => {
  const r = await get(INGRESS, HOST);
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /^Proxying value: iKubernetes demoapp v1\.0 !! ClientIP: 127\.0\.0\.6, ServerName: demoappv10-\d, ServerIP: 127\.1\.\d+\.\d+!/);
  assert.match(r.body, /Took \d+ milliseconds/);
});

test('trellis exec proxy -- curl -s http://demoapp:8080/canary answers from v1.1', { timeout: 30_000 }, async () => {
  const r = await up.cli(['exec', 'proxy', '--', 'curl', '-s', 'http://demoapp:8080/canary']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^iKubernetes demoapp v1\.1 !! ClientIP: 127\.0\.0\.6, ServerName: demoappv11-\d, ServerIP: 127\.1\.\d+\.\d+!/);
  const fail = await up.cli(['exec', 'proxy', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://demoapp:8080/status/503']);
  assert.equal(fail.out, '503', 'the command\'s output and exit status are its own');
});

test('trellis status -o json has exactly the documented shape', { timeout: 30_000 }, async () => {
  const r = await up.cli(['status', '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as { ingress: string; egress: string; workloads: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(s), ['ingress', 'egress', 'workloads']);
  assert.equal(s.ingress, 'http://127.0.10.1:8080');
  assert.equal(s.egress, 'http://127.0.10.2:8080');
  assert.equal(s.workloads.length, 8);
  for (const w of s.workloads) {
    assert.deepEqual(Object.keys(w), ['namespace', 'name', 'address', 'ready']);
    assert.equal(w['ready'], true, JSON.stringify(w));
  }
  assert.deepEqual(s.workloads.find((w) => w['name'] === 'istio-ingressgateway-0'), { namespace: 'istio-system', name: 'istio-ingressgateway-0', address: '127.0.10.1', ready: true });
});

test('editing the VirtualService changes routing within 1 s, with no failed request meanwhile', { timeout: 30_000 }, async () => {
  const file = join(up.dir, 'virtualservice-demoapp.yaml');
  const original = readFileSync(file, 'utf8');
  const toV11 = original.replace(/subset: v10/, 'subset: v11');
  assert.notEqual(toV11, original);
  const seen: { at: number; status: number; version?: string; body: string }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await get(INGRESS, HOST);
      seen.push({ at: Date.now(), status: r.status, version: /demoapp (v1\.\d)/.exec(r.body)?.[1], body: r.body });
    }
  })();
  try {
    await until('a few requests before the edit', () => seen.length >= 5, 10_000);
    // An editor's save: write a temporary file, rename it over the original.
    const edited = Date.now();
    writeFileSync(`${file}.tmp`, toV11);
    renameSync(`${file}.tmp`, file);
    const first = await until('a response from v1.1', () => seen.find((s) => s.at >= edited && s.version === 'v1.1'), 5000, 10);
    assert.ok(first.at - edited <= 1000, `routing changed after ${first.at - edited} ms`);
    await new Promise((r) => setTimeout(r, 500));
    const n = seen.length;
    await until('more requests after the change', () => seen.length >= n + 5, 5000);
    assert.ok(seen.slice(n).every((s) => s.version === 'v1.1'), 'every request after the change goes to v1.1');
  } finally {
    running = false;
    await loop;
    writeFileSync(file, original);
  }
  const failed = seen.filter((s) => s.status !== 200);
  assert.deepEqual(failed, [], `${failed.length} of ${seen.length} requests failed`);
  assert.ok(seen.length >= 15, `a steady stream (${seen.length} requests)`);
  await until('the original routing back', async () => /demoapp v1\.0/.test((await get(INGRESS, HOST)).body), 5000, 50);
  assert.match(up.out, /config: updated VirtualService default\/demoapp/);
});

test('a killed app shows as not ready in trellis status, is reported, and comes back', { timeout: 40_000 }, async () => {
  const before = up.state()!;
  const victim = before.workloads.find((w) => w.name === 'demoappv10-0')!;
  const pid = victim.apps[0]!.pid!;
  const ready = async () => {
    const r = await runCli(['status', '-o', 'json', '--state-dir', up.stateDir]);
    const s = JSON.parse(r.out) as { workloads: { name: string; ready: boolean }[] };
    return s.workloads.find((w) => w.name === 'demoappv10-0')!.ready;
  };
  assert.equal(await ready(), true);
  process.kill(pid, 'SIGKILL');
  await until('demoappv10-0 not ready', async () => !(await ready()), 5000, 10);
  await until('demoappv10-0 ready again', () => ready(), 30_000, 100);
  const after = up.state()!.workloads.find((w) => w.name === 'demoappv10-0')!;
  assert.ok(after.restarts >= 1);
  assert.notEqual(after.apps[0]!.pid, pid);
  assert.equal(isAlive(pid), false);
  await until('the crash report', () => /crashed: default\/demoappv10-0 demoapp was killed by SIGKILL; restarting in \d+ ms/.test(up.err), 5000);
  await until('the restart report', () => /restarted: default\/demoappv10-0 demoapp \(pid \d+, restart 1\)/.test(up.out), 5000);
  const r = await runCli(['status', '--state-dir', up.stateDir]);
  assert.match(r.out, /default\s+demoappv10-0\s+v1\.0\s+127\.1\.\d+\.\d+\s+yes\s+1/);
});

test('trellis down stops every process, removes the state and up exits 0', { timeout: 40_000 }, async () => {
  const state = up.state()!;
  const pids = [state.pid, ...pidsOf(state), ...up.pids];
  assert.ok(pids.length >= 15, `up, 8 proxies and 6 apps (${pids.length})`);
  const r = await up.cli(['down']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /stopped/);
  assert.equal(await up.exit, 0, up.err);
  await until('every process gone', () => pids.every((p) => !isAlive(p)), 5000, 50)
    .catch(() => assert.fail(`still alive: ${pids.filter(isAlive).join(', ')}`));
  assert.equal(up.state(), undefined, 'the state file is removed');
  const again = await up.cli(['status']);
  assert.equal(again.code, 1);
  assert.match(again.err, /no mesh is running/);
});
