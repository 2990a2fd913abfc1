/**
 * The state directory `trellis up` writes and the other commands read: atomic writes, reading a
 * missing, foreign or stale state, which workload a name means (pod, Deployment, NAME.NS, NS/NAME,
 * gateways from any namespace), the status JSON and table, and `trellis exec`'s environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrellisError } from '../../src/common/errors.js';
import { execEnv } from '../../src/cli/exec.js';
import {
  findWorkloads, liveState, readState, removeState, requireRunning, requireWorkloads, writeState, type MeshState, type WorkloadState,
} from '../../src/cli/state-file.js';
import { renderWorkloadTable, statusJson } from '../../src/cli/workload-table.js';

function pod(namespace: string, name: string, deployment: string, extra: Partial<WorkloadState> = {}): WorkloadState {
  return {
    namespace, name, deployment, kind: 'Deployment', version: 'v1.0', podIp: '127.1.0.1', appAddress: '127.2.0.1', ports: [8080],
    proxyId: `${name}.${namespace}`, proxy: { name: 'istio-proxy', pid: 11, restarts: 0, state: 'running' },
    apps: [{ name: 'demoapp', pid: 12, restarts: 1, state: 'running', port: 8080 }], restarts: 1, ...extra,
  };
}

function state(pid = process.pid): MeshState {
  return {
    version: 1, pid, startedAt: '2025-01-01T00:00:00.000Z', configDir: '/x', recursive: false,
    controlPlane: { xds: '127.0.0.1:15010', monitoring: '127.0.0.1:15014' },
    ingress: 'http://127.0.10.1:8080', egress: 'http://127.0.10.2:8080',
    workloads: [
      pod('istio-system', 'istio-ingressgateway-0', 'istio-ingressgateway', { kind: 'Gateway', version: '', podIp: '127.0.10.1', appAddress: '127.0.10.1', ports: [], apps: [], restarts: 0 }),
      pod('default', 'demoappv10-0', 'demoappv10'),
      pod('default', 'demoappv10-1', 'demoappv10', { podIp: '127.1.0.2' }),
      pod('shop', 'demoappv10-0', 'demoappv10', { podIp: '127.1.0.3' }),
    ],
  };
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('state file: written atomically, read back, removed; none is undefined; a foreign file is E_READ', (t) => {
  const dir = join(tempDir(t), '.trellis');
  assert.equal(readState(dir), undefined);
  assert.equal(liveState(dir).kind, 'none');
  writeState(dir, state());
  assert.deepEqual(readdirSync(dir), ['state.json'], 'no temporary file is left behind');
  assert.deepEqual(readState(dir), state());
  assert.equal(liveState(dir).kind, 'running');
  assert.equal(requireRunning(dir).pid, process.pid);
  removeState(dir);
  assert.equal(readState(dir), undefined);
  assert.throws(() => requireRunning(dir), (e: unknown) => e instanceof TrellisError && /no mesh is running .*start one with trellis up -f DIR/.test(e.message));
  writeFileSync(join(dir, 'state.json'), '{"hello": 1}');
  assert.throws(() => readState(dir), (e: unknown) => e instanceof TrellisError && e.code === 'E_READ' && /not a trellis up state file/.test(e.message));
});

test('state file: a state whose up process is gone is stale', (t) => {
  const dir = tempDir(t);
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeState(dir, state(Number(gone.stdout)));
  const live = liveState(dir);
  assert.equal(live.kind, 'stale');
  assert.throws(() => requireRunning(dir), /trellis up pid \d+, which is gone \(run trellis down to clean it up\)/);
});

test('state file: which workload a name means', () => {
  const s = state();
  const names = (arg: string, ns = 'default') => findWorkloads(s, arg, ns).map((w) => `${w.namespace}/${w.name}`);
  assert.deepEqual(names('demoappv10'), ['default/demoappv10-0', 'default/demoappv10-1'], 'a Deployment: its replicas in order');
  assert.deepEqual(names('demoappv10-1'), ['default/demoappv10-1']);
  assert.deepEqual(names('demoappv10', 'shop'), ['shop/demoappv10-0']);
  assert.deepEqual(names('demoappv10.shop'), ['shop/demoappv10-0']);
  assert.deepEqual(names('shop/demoappv10-0'), ['shop/demoappv10-0']);
  assert.deepEqual(names('istio-ingressgateway'), ['istio-system/istio-ingressgateway-0'], 'gateways from any namespace');
  assert.deepEqual(names('nope'), []);
  assert.throws(() => requireWorkloads(s, 'nope', 'default'),
    (e: unknown) => e instanceof TrellisError && e.code === 'E_USAGE' && /no workload "nope" in namespace default .*workloads: istio-system\/istio-ingressgateway, default\/demoappv10, shop\/demoappv10/.test(e.message));
});

test('status: the JSON shape and the table', () => {
  const s = state();
  const ready = [true, true, false, true];
  assert.deepEqual(statusJson(s, ready), {
    ingress: 'http://127.0.10.1:8080',
    egress: 'http://127.0.10.2:8080',
    workloads: [
      { namespace: 'istio-system', name: 'istio-ingressgateway-0', address: '127.0.10.1', ready: true },
      { namespace: 'default', name: 'demoappv10-0', address: '127.1.0.1', ready: true },
      { namespace: 'default', name: 'demoappv10-1', address: '127.1.0.2', ready: false },
      { namespace: 'shop', name: 'demoappv10-0', address: '127.1.0.3', ready: true },
    ],
  });
  const table = renderWorkloadTable(s.workloads, ready).split('\n');
  assert.match(table[0]!, /^NAMESPACE\s+NAME\s+VERSION\s+ADDRESS\s+READY\s+RESTARTS$/);
  assert.match(table[1]!, /^istio-system\s+istio-ingressgateway-0\s+-\s+127\.0\.10\.1\s+yes\s+0$/);
  assert.match(table[3]!, /^default\s+demoappv10-1\s+v1\.0\s+127\.1\.0\.2\s+no\s+1$/);
});

test('exec: the command\'s environment points at the workload\'s sidecar', () => {
  const s = state();
  const env = execEnv(s.workloads[1]!, { PATH: '/bin', no_proxy: 'corp', HTTP_PROXY: 'http://corp:3128' });
  for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) assert.equal(env[k], 'http://127.1.0.1:15001');
  assert.equal(env['no_proxy'], undefined);
  assert.deepEqual([env['POD_NAME'], env['POD_NAMESPACE'], env['POD_IP'], env['PATH']], ['demoappv10-0', 'default', '127.1.0.1', '/bin']);
  const gw = execEnv(s.workloads[0]!, {});
  assert.equal(gw['http_proxy'], undefined, 'a gateway has no outbound proxy for commands');
});
