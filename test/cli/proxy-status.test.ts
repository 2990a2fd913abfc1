/**
 * `trellis proxy-status` against a real control plane started in-process on 127.0.0.1 (port 0),
 * with a raw ADS client acting as a proxy: istioctl's table with SYNCED and NOT SENT, then NACK
 * (and its message) after the client rejects a response, then STALE when a push is sent and not
 * acked; `-o json`; the PROXY_ID filter; the address flags (istioctl's --xds-address and the
 * others); exit 2 with a clear message when the control plane cannot be reached or the address
 * is its xDS (gRPC) port. Plus the status words themselves. Bounded in time; everything closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { xdsStatus } from '../../src/cli/proxy-status.js';
import { runCli } from '../helpers/cli.js';
import { AdsTestClient, eventually, serviceEntry, startTestControlPlane } from '../xds/monitoring-fixtures.js';

const NODE = { id: 'sidecar~10.0.0.1~client-0.default~default.svc.cluster.local', metadata: { NAMESPACE: 'default' } };
const HEADER = ['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ISTIOD', 'VERSION'];

type Row = Record<string, string>;

/** The table back into rows (cells are separated by 2+ spaces; status words have single spaces). */
function rows(out: string): Row[] {
  const lines = out.split('\n\n')[0]!.split('\n').filter((l) => l !== '');
  assert.deepEqual(lines[0]!.trim().split(/\s{2,}/), HEADER, 'istioctl\'s columns, without ECDS');
  return lines.slice(1).map((l) => {
    const cells = l.trim().split(/\s{2,}/);
    assert.equal(cells.length, HEADER.length, l);
    return Object.fromEntries(HEADER.map((h, i) => [h, cells[i]!]));
  });
}

async function status(monitoring: string, ...args: string[]): Promise<Row[]> {
  const r = await runCli(['proxy-status', '--xds', monitoring, ...args]);
  assert.equal(r.code, 0, r.err);
  return rows(r.out);
}

test('proxy-status: SYNCED and NOT SENT, then NACK with its message, then STALE for a push not acked', { timeout: 30_000 }, async (t) => {
  const tcp = await startTestControlPlane(t, { 'a.yaml': serviceEntry('a', 'a.example.com', 80) });
  const client = new AdsTestClient(t, tcp.xds, NODE);
  client.ack(await client.request(TypeUrl.Cluster));
  client.ack(await client.request(TypeUrl.Listener));
  const synced = await eventually(async () => {
    const r = await status(tcp.monitoring);
    return r[0]?.['LDS'] === 'SYNCED' ? r : undefined;
  }, 'CDS and LDS acked');
  assert.deepEqual(synced, [{
    NAME: 'client-0.default', CLUSTER: 'Kubernetes', CDS: 'SYNCED', LDS: 'SYNCED', EDS: 'NOT SENT', RDS: 'NOT SENT',
    ISTIOD: tcp.monitoring, VERSION: '0.0.0-test',
  }]);

  // The client rejects the route configuration: NACK, and the message after the table.
  const rds = await client.request(TypeUrl.RouteConfiguration, ['80']);
  client.nack(rds, 'route 80: no such cluster (test)');
  const nacked = await eventually(async () => {
    const r = await runCli(['ps', '--xds-address', tcp.monitoring]);
    return rows(r.out)[0]?.['RDS'] === 'NACK' ? r : undefined;
  }, 'the NACK to show');
  assert.equal(nacked.code, 0);
  assert.deepEqual(rows(nacked.out).map((r) => [r['CDS'], r['LDS'], r['EDS'], r['RDS']]), [['SYNCED', 'SYNCED', 'NOT SENT', 'NACK']]);
  assert.match(nacked.out, new RegExp(`\\n\\nclient-0\\.default RDS NACK of version ${rds.versionInfo}: route 80: no such cluster \\(test\\) \\(nothing of this type was ever accepted\\)\\n$`));

  // A config change is pushed and the client does not answer: STALE (it had acked before).
  tcp.write('b.yaml', serviceEntry('b', 'b.example.com', 80, '10.1.0.2'));
  const pushed = await client.next('the CDS push after adding b.yaml');
  assert.equal(pushed.typeUrl, TypeUrl.Cluster);
  const stale = await eventually(async () => {
    const r = await status(tcp.monitoring);
    return r[0]?.['CDS'] === 'STALE' ? r : undefined;
  }, 'CDS STALE');
  assert.equal(stale[0]!['CDS'], 'STALE');
  // RDS got a newer version (the route now has b too), never acked: istioctl's wording.
  await eventually(async () => ((await status(tcp.monitoring))[0]?.['RDS'] === 'STALE (Never Acknowledged)' ? true : undefined), 'RDS STALE (Never Acknowledged)');
  // Once the client answers, SYNCED again.
  client.ack(pushed);
  await eventually(async () => ((await status(tcp.monitoring))[0]?.['CDS'] === 'SYNCED' ? true : undefined), 'CDS SYNCED after the ACK');

  // -o json: the syncz entries; PROXY_ID filters; the other address flags are synonyms.
  const json = await runCli(['proxy-status', '--monitoring-address', tcp.monitoring, '-o', 'json']);
  assert.equal(json.code, 0, json.err);
  const entries = JSON.parse(json.out) as { proxy: string; node_id: string; cluster_acked: string }[];
  assert.deepEqual(entries.map((e) => [e.proxy, e.node_id]), [['client-0.default', NODE.id]]);
  assert.equal(entries[0]!.cluster_acked, pushed.versionInfo);
  assert.equal((await status(tcp.monitoring, 'client-0')).length, 1);
  const none = await runCli(['proxy-status', '--monitoring', tcp.monitoring, 'nobody']);
  assert.equal(none.code, 0);
  assert.deepEqual(rows(none.out), []);
  assert.match(none.err, /no proxy connected to .* matches "nobody"/);
  const clash = await runCli(['proxy-status', '--xds', tcp.monitoring, '--xds-address', '127.0.0.1:1']);
  assert.equal(clash.code, 2);
  assert.match(clash.err, /--xds and --xds-address name different addresses/);
});

test('proxy-status: exit 2 with a clear message when the control plane cannot be reached', { timeout: 30_000 }, async (t) => {
  // A port nothing listens on.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const refused = await runCli(['proxy-status', '--xds', `127.0.0.1:${port}`]);
  assert.equal(refused.code, 2);
  assert.equal(refused.out, '');
  assert.match(refused.err, new RegExp(`^trellis: cannot reach the control plane at 127\\.0\\.0\\.1:${port}: connection refused \\(is \`trellis control-plane\` running with --monitoring-address 127\\.0\\.0\\.1:${port}\\?\\)\\n$`));

  // The xDS (gRPC) port instead of the monitoring one.
  const tcp = await startTestControlPlane(t, {});
  const grpcPort = await runCli(['proxy-status', '--xds', tcp.xds]);
  assert.equal(grpcPort.code, 2);
  assert.match(grpcPort.err, /does not answer HTTP: is it the xDS \(gRPC\) port\? Give the control plane's monitoring address/);

  const bad = await runCli(['proxy-status', '--xds', 'localhost']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--xds "localhost": use HOST:PORT/);
  const format = await runCli(['proxy-status', '--xds', tcp.monitoring, '-o', 'yaml']);
  assert.equal(format.code, 2);
});

test('proxy-status: the status words, as istioctl computes them, plus NACK', () => {
  assert.equal(xdsStatus(undefined, undefined, false), 'NOT SENT');
  assert.equal(xdsStatus('v1', 'v1', false), 'SYNCED');
  assert.equal(xdsStatus('v2', 'v1', false), 'STALE');
  assert.equal(xdsStatus('v1', undefined, false), 'STALE (Never Acknowledged)');
  assert.equal(xdsStatus('v2', 'v1', true), 'NACK');
  assert.equal(xdsStatus('v1', undefined, true), 'NACK');
});
