/**
 * `trellis control-plane`: usage errors and a taken port in-process (exit 2, exit 1 with a
 * message), then end to end: the command runs as its own process on port 0, a raw grpc-js ADS
 * client (no part of the server mocked) gets CDS, sees a push after a file edit, sees no push
 * after an invalid edit (reported on stderr with file:line, object and field), and the process
 * stops cleanly on SIGTERM, ending the stream and freeing the port. Bounded in time; the process,
 * the client and the temporary directory are cleaned up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/api/xds/discovery.js';
import { adsServiceDefinition } from '../../src/api/xds/index.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { serviceEntry } from '../xds/monitoring-fixtures.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-cp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

test('control-plane: a missing --config directory exits 2; a bad address is a usage error', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['control-plane', '--config', join(dir, 'nope'), '--xds-address', '127.0.0.1:0']);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot read config directory .*nope: no such file or directory/);
  const u = await runCli(['control-plane', '--config', dir, '--xds-address', 'localhost']);
  assert.equal(u.code, 2);
  assert.match(u.err, /--xds-address "localhost": use HOST:PORT/);
  const n = await runCli(['control-plane']);
  assert.equal(n.code, 2);
  assert.match(n.err, /--config DIR/);
});

test('control-plane: a port in use is a clear message and exit 1, not a stack trace', async (t) => {
  const dir = tempDir(t);
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as AddressInfo).port;
  const r = await runCli(['control-plane', '--config', dir, '--xds-address', `127.0.0.1:${port}`, '--monitoring-address', '127.0.0.1:0']);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`trellis: cannot listen for xDS on 127\\.0\\.0\\.1:${port}: address already in use`));
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.err, /No address added/);
});

/** The command as a child process, with its output collected. */
class ControlPlaneProcess {
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => { this.out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { this.err += d.toString(); });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }
  async waitFor(re: RegExp, stream: 'out' | 'err', ms: number): Promise<RegExpExecArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(this[stream]);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`control plane exited (${this.child.exitCode}); stderr:\n${this.err}`);
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${re} on std${stream}; stdout:\n${this.out}\nstderr:\n${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A raw ADS stream: requests go out as written, responses queue up until taken. */
class AdsStream {
  private readonly queue: DiscoveryResponse[] = [];
  private waiter: ((r: DiscoveryResponse) => void) | undefined;
  readonly ended: Promise<string>;
  constructor(readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>) {
    call.on('data', (r: DiscoveryResponse) => {
      if (this.waiter) { const w = this.waiter; this.waiter = undefined; w(r); } else this.queue.push(r);
    });
    this.ended = new Promise((resolve) => {
      call.on('error', (e: grpc.ServiceError) => resolve(`error ${grpc.status[e.code]}`));
      call.on('end', () => resolve('end'));
    });
  }
  next(ms: number, what: string): Promise<DiscoveryResponse> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return deadline(new Promise<DiscoveryResponse>((resolve) => { this.waiter = resolve; }), ms, what);
  }
  /** Whether a response arrives within `ms` (it stays queued). */
  async quietFor(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.length === 0 && this.waiter === undefined;
  }
  send(req: DiscoveryRequest): void {
    this.call.write(req);
  }
}

const clusterNames = (r: DiscoveryResponse) => (r.resources ?? []).map((c) => (c as { name?: string }).name ?? '').sort();

test('control-plane: serves ADS from a watched directory; pushes after an edit; an invalid edit is rejected with no push; SIGTERM stops it cleanly', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.yaml'), serviceEntry('a', 'a.example.com', 80));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'control-plane', '--config', dir, '--xds-address', '127.0.0.1:0', '--monitoring-address', '127.0.0.1:0'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const cp = new ControlPlaneProcess(child);
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });

  const m = await cp.waitFor(/xds listening on 127\.0\.0\.1:(\d+)\n/, 'out', 20_000);
  const port = Number(m[1]);
  assert.ok(port > 0, 'port 0 is reported as the actual port');
  assert.match(cp.out, /config: loaded 1 object\(s\) from /);

  const Client = grpc.makeClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const stream = new AdsStream((client as unknown as {
    StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  }).StreamAggregatedResources());
  t.after(() => stream.call.cancel());

  const node = { id: 'sidecar~10.0.0.1~client.default~default.svc.cluster.local', metadata: { NAMESPACE: 'default' } };
  stream.send({ node, typeUrl: TypeUrl.Cluster });
  const first = await stream.next(10_000, 'the first CDS response');
  assert.equal(first.typeUrl, TypeUrl.Cluster);
  assert.ok(clusterNames(first).includes('outbound|80||a.example.com'), clusterNames(first).join(' '));
  assert.ok(!clusterNames(first).includes('outbound|80||b.example.com'));
  stream.send({ node, typeUrl: TypeUrl.Cluster, versionInfo: first.versionInfo, responseNonce: first.nonce });

  // An accepted edit: a new file with a new ServiceEntry is pushed.
  writeFileSync(join(dir, 'b.yaml'), serviceEntry('b', 'b.example.com', 80));
  const pushed = await stream.next(10_000, 'the CDS push after adding b.yaml');
  assert.ok(clusterNames(pushed).includes('outbound|80||b.example.com'), clusterNames(pushed).join(' '));
  assert.notEqual(pushed.versionInfo, first.versionInfo);
  stream.send({ node, typeUrl: TypeUrl.Cluster, versionInfo: pushed.versionInfo, responseNonce: pushed.nonce });
  await cp.waitFor(/config: added ServiceEntry default\/b \(.*b\.yaml:1\)\n/, 'out', 5000);

  // An invalid edit: reported with file:line, object and field; the last good version stays, nothing is pushed.
  writeFileSync(join(dir, 'b.yaml'), serviceEntry('b', 'b.example.com', 99999));
  const bad = await cp.waitFor(/config: (.*b\.yaml):(\d+): error: ServiceEntry default\/b: spec\.ports\[0\]\.number: (.*)\n/, 'err', 5000);
  assert.equal(bad[2], '11');
  assert.match(bad[3]!, /the last good version \(.*b\.yaml:1\) stays in effect/);
  assert.ok(await stream.quietFor(700), 'no push after a rejected edit');

  // SIGTERM: the process stops, ends the stream and frees the port.
  child.kill('SIGTERM');
  const code = await deadline(cp.exited, 10_000, 'the control plane to exit after SIGTERM');
  assert.equal(code, 0, `exit code; stderr:\n${cp.err}`);
  assert.match(cp.out, /SIGTERM: stopping\n(.*\n)*stopped\n$/);
  assert.match(await deadline(stream.ended, 5000, 'the stream to end'), /^(end|error UNAVAILABLE)$/);
  const again = createServer();
  await new Promise<void>((resolve, reject) => { again.once('error', reject); again.listen(port, '127.0.0.1', resolve); });
  await new Promise<void>((resolve) => again.close(() => resolve()));
  assert.doesNotMatch(cp.err, /\n\s+at /, 'no stack trace on stderr');
});
