/**
 * The issue's acceptance test, end to end with a real xDS client and nothing mocked: a Trellis
 * control plane (watched config directory → ADS over gRPC) and a proxyless gRPC client
 * (@grpc/grpc-js-xds, in a child process with its own bootstrap) calling an `echo` service
 * defined by a ServiceEntry over two WorkloadEntries, backed by two real gRPC servers on
 * loopback (v1, v2). DestinationRule subsets v1/v2; VirtualService: `x-user: jason` → v2, else
 * 80/20. Checked, in order, with one client process throughout:
 *   1. jason → all v2; others → v1 share 80% ± 10% over 400 calls (5 standard deviations);
 *   2. weights edited to 0/100 → all v2, same process and same ADS stream (no reconnect);
 *   3. an invalid edit → reported by the control plane (file:line, field), nothing pushed, traffic
 *      as before;
 *   4. control plane killed → the client keeps serving from its last config; restarted on the same
 *      port (with a new edit, 100/0, made meanwhile) → the client reconnects and converges.
 * Bounded in time; every server and process is stopped in `after`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { startControlPlane, type ControlPlane } from '../../src/xds/control-plane.js';
import type { AdsEvent, Logger } from '../../src/xds/types.js';
import { ECHO_TARGET, echoMeshFiles, grpcClientNode, virtualServiceYaml } from './helpers/echo-mesh.js';
import { startEchoServer, type EchoServer } from './helpers/echo-server.js';
import { GrpcClientProcess, grpcBootstrap, type CallResult } from './helpers/grpc-client-process.js';

const SPLIT_CALLS = 400;
const SPLIT_TOLERANCE = 0.1; // v1 share must be 0.8 ± 0.1 (σ = 2% at 400 calls)
const CONVERGE_MS = 15_000;

/** A loopback /24 of our own, so parallel tests do not collide (127.0.0.1 where others are missing). */
const octet = 100 + Math.floor(Math.random() * 100);

interface Run {
  dir: string;
  v1: EchoServer;
  v2: EchoServer;
  cp?: ControlPlane;
  client?: GrpcClientProcess;
  logs: string[];
  events: AdsEvent[];
  xdsPort: number;
}

function captureLogger(lines: string[]): Logger {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function startEcho(identity: string, host: number): Promise<EchoServer> {
  try {
    return await startEchoServer(identity, `127.0.${octet}.${host}`);
  } catch {
    return startEchoServer(identity, '127.0.0.1'); // systems with only 127.0.0.1 on lo
  }
}

async function startCp(run: Run, port: number): Promise<ControlPlane> {
  return startControlPlane({
    configDir: run.dir,
    xdsAddress: `127.0.0.1:${port}`,
    logger: captureLogger(run.logs),
    ads: { onEvent: (e) => run.events.push(e) },
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = CONVERGE_MS, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function share(r: CallResult, identity: string): number {
  const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : (r.counts[identity] ?? 0) / total;
}

describe('proxyless gRPC (@grpc/grpc-js-xds) against the Trellis control plane', { timeout: 180_000 }, () => {
  const node = grpcClientNode(`127.0.${octet}.9`);
  let run: Run;

  const connects = (): AdsEvent[] => run.events.filter((e) => e.type === 'connect' && e.proxyId === node.id);
  const writeVs = (text: string): void => writeFileSync(join(run.dir, 'virtual-service.yaml'), text);
  const client = (): GrpcClientProcess => run.client!;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-grpc-xds-'));
    const v1 = await startEcho('v1', 1);
    const v2 = await startEcho('v2', 2);
    run = { dir, v1, v2, logs: [], events: [], xdsPort: 0 };
    for (const [file, text] of Object.entries(echoMeshFiles({ v1, v2, weights: [80, 20] }))) writeFileSync(join(dir, file), text);
    run.cp = await startCp(run, 0);
    run.xdsPort = run.cp.xdsPort;
    run.client = await GrpcClientProcess.start(ECHO_TARGET, grpcBootstrap({ xdsAddress: run.cp.xdsAddress, nodeId: node.id, metadata: node.metadata }));
  });

  after(async () => {
    await run?.client?.kill();
    await run?.cp?.close();
    await Promise.all([run?.v1.close(), run?.v2.close()]);
    if (run) rmSync(run.dir, { recursive: true, force: true });
  });

  test('x-user: jason → every call to v2', { timeout: 30_000 }, async () => {
    const r = await client().call(100, 'jason');
    assert.deepEqual(r, { counts: { v2: 100 }, errors: {} }, client().stderr.slice(-2000));
    const status = run.cp!.server.statuses().find((s) => s.id === node.id);
    assert.ok(status, 'the client is connected, identified by its node id');
    assert.equal(status.proxy.generator, 'grpc');
    const lds = status.types.find((t) => t.typeUrl === TypeUrl.Listener);
    assert.deepEqual(lds?.subscribed, [ECHO_TARGET], 'gRPC subscribes to the listener by the dial target');
    for (const t of status.types) assert.equal(t.lastNack, undefined, `${t.typeUrl} NACKed: ${t.lastNack?.message}`);
  });

  test(`everyone else → v1/v2 at 80/20 (v1 share 0.8 ± ${SPLIT_TOLERANCE} over ${SPLIT_CALLS} calls)`, { timeout: 60_000 }, async () => {
    const r = await client().call(SPLIT_CALLS);
    assert.deepEqual(r.errors, {});
    const v1 = share(r, 'v1');
    assert.ok(Math.abs(v1 - 0.8) <= SPLIT_TOLERANCE, `v1 share ${v1.toFixed(3)} (${JSON.stringify(r.counts)})`);
    const mike = await client().call(100, 'mike');
    assert.ok((mike.counts.v1 ?? 0) > 0 && (mike.counts.v2 ?? 0) > 0, `another user is split too: ${JSON.stringify(mike.counts)}`);
  });

  test('weights edited to 0/100 → all v2, with no reconnect (same process, same ADS stream)', { timeout: 60_000 }, async (t) => {
    const pid = client().pid;
    const before = connects();
    assert.equal(before.length, 1);
    const editedAt = Date.now();
    writeVs(virtualServiceYaml([0, 100]));
    const ms = await until('the client to send everything to v2', async () => {
      const r = await client().call(20);
      return r.counts.v2 === 20 ? Date.now() - editedAt : undefined;
    });
    const r = await client().call(200);
    assert.deepEqual(r, { counts: { v2: 200 }, errors: {} });
    assert.equal(client().pid, pid);
    assert.ok(client().alive);
    assert.deepEqual(connects(), before, 'no new ADS stream');
    const status = run.cp!.server.statuses().find((s) => s.id === node.id)!;
    assert.equal(status.connectionId, (before[0] as { connectionId: string }).connectionId);
    const rds = status.types.find((t) => t.typeUrl === TypeUrl.RouteConfiguration)!;
    assert.equal(rds.ackedVersion, rds.sentVersion, 'the new routes were ACKed');
    t.diagnostic(`0/100 edit effective at the client within ${ms} ms of the file write`);
  });

  test('an invalid edit is rejected, reported, not pushed; traffic goes on as before', { timeout: 60_000 }, async (t) => {
    const bad = virtualServiceYaml([100, 0]).replace('weight: 100', 'weight: lots');
    const pushesBefore = run.events.filter((e) => e.type === 'push' && e.reason === 'push').length;
    const logFrom = run.logs.length;
    writeVs(bad);
    const report = await until('the control plane to report the invalid file', () =>
      run.logs.slice(logFrom).find((l) => l.startsWith('error ') && l.includes('virtual-service.yaml')), 10_000);
    assert.match(report, /virtual-service\.yaml:\d+/, 'names file and line');
    assert.match(report, /VirtualService default\/echo/, 'names the object');
    assert.match(report, /weight/, 'names the field');
    t.diagnostic(report);
    await new Promise((r) => setTimeout(r, 1000)); // longer than both debounces: a push would have happened
    assert.equal(run.events.filter((e) => e.type === 'push' && e.reason === 'push').length, pushesBefore, 'nothing pushed');
    const r = await client().call(200);
    assert.deepEqual(r, { counts: { v2: 200 }, errors: {} }, 'still the last good 0/100');
    assert.equal(run.events.filter((e) => e.type === 'nack').length, 0, 'the client never NACKed');
  });

  test('control plane killed: the client serves from its last config; restarted on the same port: it reconnects and converges', { timeout: 90_000 }, async (t) => {
    const pid = client().pid;
    await run.cp!.close();
    run.cp = undefined;
    const down = await client().call(100);
    assert.deepEqual(down, { counts: { v2: 100 }, errors: {} }, 'no control plane, same routing');
    writeVs(virtualServiceYaml([100, 0])); // changed while nobody watches
    const connectsBefore = connects().length;
    const restartedAt = Date.now();
    run.cp = await startCp(run, run.xdsPort);
    assert.equal(run.cp.xdsPort, run.xdsPort);
    await until('the client to reconnect', () => (connects().length > connectsBefore ? true : undefined), 30_000);
    const ms = await until('the client to converge on 100/0', async () => {
      const r = await client().call(20);
      return r.counts.v1 === 20 ? Date.now() - restartedAt : undefined;
    }, 30_000);
    const r = await client().call(200);
    assert.deepEqual(r, { counts: { v1: 200 }, errors: {} });
    assert.deepEqual(await client().call(50, 'jason'), { counts: { v2: 50 }, errors: {} }, 'the header route still holds');
    assert.equal(client().pid, pid, 'the same client process throughout');
    t.diagnostic(`reconnected and converged ${ms} ms after the restart`);
  });
});
