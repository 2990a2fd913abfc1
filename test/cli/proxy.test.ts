/**
 * `trellis proxy` as a child process (`node --import tsx src/cli/entry.ts proxy …`) against a
 * real in-process control plane serving examples/001-sidecar-canary from a memory store: it
 * connects as the `proxy` workload, ACKs every type (the server's statuses say so), prints one
 * line per applied update, turns ready on :15021, serves /config_dump with what it ACKed, and
 * stops cleanly (exit 0) on SIGTERM. Also: bad flags exit 2 without starting anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { MemoryStore } from '../../src/config/store/memory.js';
import { startControlPlane } from '../../src/xds/control-plane.js';
import { buildNode } from '../../src/proxy/bootstrap/node.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';

const EXAMPLE = join(REPO_ROOT, 'examples/001-sidecar-canary');
const TYPES = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration];

async function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

test('trellis proxy: connects, ACKs, serves admin and readiness, stops on SIGTERM', { timeout: 90_000 }, async (t) => {
  const store = new MemoryStore();
  for (const f of readdirSync(EXAMPLE).filter((n) => n.endsWith('.yaml')).sort()) store.applyText(f, readFileSync(join(EXAMPLE, f), 'utf8'));
  const cp = await startControlPlane({ store, xdsAddress: '127.0.0.1:0', ads: { debounceMs: 10, debounceMaxMs: 50 } });
  t.after(() => cp.close());
  const w = cp.snapshot().registry.workloads.find((x) => x.name === 'proxy')!;
  const labels = Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const child = spawn(process.execPath, [
    '--import', 'tsx', join(REPO_ROOT, 'src/cli/entry.ts'), 'proxy',
    '--xds', cp.xdsAddress, '--type', 'sidecar', '--ip', w.address, '--name', w.podName, '--namespace', w.namespace,
    '--labels', labels, '--service-account', w.serviceAccount, '--workload', w.name, '--outbound', 'transparent',
    '--admin-port', '0', '--health-port', '0', '--prometheus-port', '0',
  ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });

  await waitFor('the admin, health and prometheus port lines', () => ['admin', 'health', 'prometheus'].every((name) => new RegExp(`${name} listening on \\S+\\n`).test(out)) || child.exitCode !== null);
  assert.equal(child.exitCode, null, `proxy exited early:\n${out}\n${err}`);
  const port = (what: string) => Number(new RegExp(`${what} listening on [^\\s]+:(\\d+)`).exec(out)![1]);
  const admin = port('admin');
  const health = port('health');
  const prom = port('prometheus');
  const url = (p: number, path: string) => `http://${w.address}:${p}${path}`;

  const node = buildNode({ type: 'sidecar', ip: w.address, name: w.podName, namespace: w.namespace, labels: w.labels, serviceAccount: w.serviceAccount, workloadName: w.name, outbound: 'transparent' });
  assert.ok(out.includes(`node ${node.id}\n`), out);
  await waitFor('every type ACKed', () => {
    const st = cp.server.statuses().find((s) => s.id === node.id);
    return !!st && TYPES.every((ty) => {
      const x = st.types.find((y) => y.typeUrl === ty);
      return !!x?.sentVersion && x.ackedVersion === x.sentVersion;
    });
  });
  await waitFor('ready on 15021', async () => (await fetch(url(health, '/healthz/ready'))).status === 200);
  for (const short of ['CDS', 'EDS', 'LDS', 'RDS']) assert.match(out, new RegExp(`^applied ${short} version \\S+ \\(\\d+ resources?\\)$`, 'm'));
  assert.match(out, /^xds connected to 127\.0\.0\.1:\d+ \(attempt 1\)$/m);
  assert.match(out, /^snapshot \d+ in effect$/m);

  const dump = (await (await fetch(url(admin, '/config_dump'))).json()) as { configs: Record<string, any>[] };
  const st = cp.server.statuses().find((s) => s.id === node.id)!;
  const cds = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump')!;
  assert.equal(cds.versionInfo, st.types.find((x) => x.typeUrl === TypeUrl.Cluster)!.ackedVersion);
  assert.ok(cds.dynamicActiveClusters.some((c: any) => c.cluster.name === 'outbound|8080|v11|demoapp.default.svc.cluster.local'));
  const lds = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump')!;
  assert.ok(lds.dynamicListeners.some((l: any) => l.name === '0.0.0.0_8080'));
  assert.equal((await fetch(url(admin, '/ready'))).status, 200);
  assert.match(await (await fetch(url(admin, '/listeners'))).text(), /^0\.0\.0\.0_8080::0\.0\.0\.0:8080$/m);
  const metrics = await (await fetch(url(prom, '/stats/prometheus'))).text();
  assert.match(metrics, /^envoy_cluster_manager_cds_update_success [1-9]\d*$/m);
  assert.match(metrics, /^envoy_control_plane_connected_state 1$/m);

  child.kill('SIGTERM');
  const code = await exited(child);
  assert.equal(code, 0, `${out}\n${err}`);
  assert.match(out, /SIGTERM: stopping\nstopped\n$/);
});

test('trellis proxy: bad flags exit 2 before starting', async () => {
  const r1 = await runCli(['proxy', '--ip', '127.0.0.1', '--name', 'p', '--namespace', 'default']);
  assert.equal(r1.code, 2);
  assert.match(r1.err, /give --xds/);
  const r2 = await runCli(['proxy', '--xds', 'nope', '--ip', '127.0.0.1', '--name', 'p', '--namespace', 'default']);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /--xds "nope": use HOST:PORT/);
  const r3 = await runCli(['proxy', '--xds', '127.0.0.1:1', '--ip', '127.0.0.1', '--name', 'p', '--namespace', 'default', '--labels', 'a=b,c']);
  assert.equal(r3.code, 2);
  assert.match(r3.err, /--labels: invalid label "c"/);
  const r4 = await runCli(['proxy', '--xds', '127.0.0.1:1', '--type', 'gateway', '--ip', '127.0.0.1', '--name', 'p', '--namespace', 'default']);
  assert.equal(r4.code, 2);
});
