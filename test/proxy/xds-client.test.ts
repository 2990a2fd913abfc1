/**
 * The proxy's ADS client against the real control plane over gRPC on 127.0.0.1 (port 0),
 * serving examples/001-sidecar-canary from a memory store: the `proxy` workload's node gets its
 * listeners, routes, clusters and endpoints and ACKs every type (the server's statuses say so);
 * a VirtualService edit becomes a new snapshot while the old object stays as it was; a route
 * the proxy cannot run (invalid RE2, which the server's codec accepts) is NACKed with the reason
 * and the previous snapshot stays; when the server goes away the client keeps its snapshot,
 * retries with jittered exponential backoff (fake clock: exact delays), and converges with a
 * server restarted on the same port, re-sending the versions it holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { DiscoveryRequest } from '../../src/api/xds/index.js';
import type { RouteConfiguration } from '../../src/api/envoy/route.js';
import { MemoryStore } from '../../src/config/store/memory.js';
import { startControlPlane, type ControlPlane } from '../../src/xds/control-plane.js';
import { defaultGenerators } from '../../src/xds/generators.js';
import { AdsServer } from '../../src/xds/server.js';
import type { SnapshotChange, SnapshotSource, SotwTransport } from '../../src/xds/types.js';
import { buildNode } from '../../src/proxy/bootstrap/node.js';
import type { RuntimeSnapshot } from '../../src/proxy/bootstrap/runtime.js';
import { XdsClient, type XdsClientEvent } from '../../src/proxy/bootstrap/xds-client.js';
import { matchRoute } from '../../src/proxy/router/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { REPO_ROOT } from '../helpers/shared.js';

const LDS = TypeUrl.Listener;
const RDS = TypeUrl.RouteConfiguration;
const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const EXAMPLE = join(REPO_ROOT, 'examples/001-sidecar-canary');
const V10 = 'outbound|8080|v10|demoapp.default.svc.cluster.local';
const V11 = 'outbound|8080|v11|demoapp.default.svc.cluster.local';

async function waitFor(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function controlPlane(): Promise<ControlPlane> {
  const store = new MemoryStore();
  for (const f of readdirSync(EXAMPLE).filter((n) => n.endsWith('.yaml')).sort()) store.applyText(f, readFileSync(join(EXAMPLE, f), 'utf8'));
  return startControlPlane({ store, xdsAddress: '127.0.0.1:0', ads: { debounceMs: 10, debounceMaxMs: 50 } });
}

function proxyNode(cp: ControlPlane) {
  const w = cp.snapshot().registry.workloads.find((x) => x.name === 'proxy');
  assert.ok(w, 'the example has a proxy Deployment');
  return buildNode({ type: 'sidecar', ip: w.address, name: w.podName, namespace: w.namespace, labels: w.labels, serviceAccount: w.serviceAccount, workloadName: w.name });
}

/** A source the test can poke: same snapshot, "VirtualService changed". */
function pokeable(cp: ControlPlane): SnapshotSource & { poke(): void } {
  const fns = new Set<(c: SnapshotChange) => void>();
  return {
    current: () => cp.source.current(),
    subscribe: (fn) => (fns.add(fn), () => void fns.delete(fn)),
    poke: () => { for (const fn of fns) fn({ snapshot: cp.source.current(), changedKinds: new Set(['VirtualService']) }); },
  };
}

function routeOf(s: RuntimeSnapshot, path: string, name = '8080') {
  const t = s.routes.get(name)?.table;
  return t ? matchRoute(t, { method: 'GET', authority: 'demoapp:8080', path, headers: {} }).route : undefined;
}

/** The server got an ACK for the last response of every type (nonce-exact: its config dump). */
function allAcked(server: AdsServer, id: string): boolean {
  const st = server.statuses().find((s) => s.id === id);
  const dump = server.configDump(id);
  if (!st || !dump) return false;
  const types = new Map(st.types.map((t) => [t.typeUrl, t]));
  const acked = new Map(dump.types.map((t) => [t.typeUrl, t.acked]));
  return [CDS, EDS, LDS, RDS].every((t) => {
    const x = types.get(t);
    return !!x?.sentVersion && x.ackedVersion === x.sentVersion && acked.get(t) === true;
  });
}

test('xds client: the proxy workload gets and ACKs its config; a VirtualService edit swaps in a new snapshot', { timeout: 20_000 }, async (t) => {
  const cp = await controlPlane();
  t.after(() => cp.close());
  const node = proxyNode(cp);
  const events: XdsClientEvent[] = [];
  const client = new XdsClient({ address: cp.xdsAddress, node, onEvent: (e) => events.push(e) });
  t.after(() => client.close());
  client.start();
  await client.ready();
  await waitFor('every type ACKed', () => allAcked(cp.server, node.id!));

  const s1 = client.current();
  assert.ok(s1.isWarm());
  assert.ok(s1.listeners.has('virtualOutbound'), [...s1.listeners.keys()].join(' '));
  assert.ok(s1.clusters.has(V10) && s1.clusters.has(V11));
  assert.equal(s1.loadAssignmentFor(V10)?.endpoints?.flatMap((l) => l.lbEndpoints).length, 3, 'three v1.0 replicas');
  assert.equal(s1.loadAssignmentFor(V11)?.endpoints?.flatMap((l) => l.lbEndpoints).length, 2, 'two v1.1 replicas');
  assert.equal(routeOf(s1, '/canary/x')?.route?.cluster, V11);
  assert.equal(routeOf(s1, '/')?.route?.cluster, V10);
  // What the client holds is what the server says it ACKed.
  const st = cp.server.statuses().find((s) => s.id === node.id)!;
  for (const ty of st.types) assert.equal(s1.versions[ty.typeUrl as keyof typeof s1.versions], ty.ackedVersion, ty.typeUrl);
  assert.deepEqual(events.filter((e) => e.type === 'rejected'), []);
  assert.ok(events.some((e) => e.type === 'connected'));
  assert.deepEqual(events.filter((e) => e.type === 'applied').map((e) => (e as { typeUrl: string }).typeUrl).slice(0, 4), [CDS, EDS, LDS, RDS], 'CDS → EDS → LDS → RDS');

  (cp.store as MemoryStore).applyText('virtualservice-demoapp.yaml', readFileSync(join(EXAMPLE, 'steps/01-weight-based-routing/virtualservice-demoapp.yaml'), 'utf8'));
  await waitFor('the weighted route', () => !!routeOf(client.current(), '/')?.route?.weightedClusters);
  const s2 = client.current();
  assert.notEqual(s2, s1);
  assert.deepEqual(routeOf(s2, '/')!.route!.weightedClusters!.clusters.map((c) => [c.name, c.weight]), [[V10, 90], [V11, 10]]);
  assert.equal(routeOf(s1, '/canary/x')?.route?.cluster, V11, 'the old snapshot is unchanged for requests still holding it');
  assert.equal(s2.clusters, s1.clusters, 'types that did not change are shared');
  await waitFor('the new route ACKed', () => allAcked(cp.server, node.id!) && cp.server.statuses()[0]!.types.find((x) => x.typeUrl === RDS)!.ackedVersion === client.current().versions[RDS]);
});

test('xds client: a route it cannot run is NACKed with the reason; the previous snapshot stays', { timeout: 20_000 }, async (t) => {
  const cp = await controlPlane();
  t.after(() => cp.close());
  const source = pokeable(cp);
  let poisoned = false;
  // This generator is impure on purpose (it reads `poisoned`), so output sharing, which relies
  // on generators being functions of (snapshot, proxy), is turned off.
  const server = new AdsServer({
    source, debounceMs: 5, debounceMaxMs: 20, shareGeneration: false,
    generators: {
      ...defaultGenerators,
      [RDS]: (snap, proxy, names) => {
        const out = defaultGenerators[RDS]!(snap, proxy, names) as RouteConfiguration[];
        if (!poisoned) return out;
        return out.map((rc) => ({
          ...rc,
          virtualHosts: (rc.virtualHosts ?? []).map((vh) => ({ ...vh, routes: (vh.routes ?? []).map((r) => (r.match.prefix === '/canary' ? { ...r, match: { safeRegex: { regex: '/canary(?=/)' } } } : r)) })),
        }));
      },
    },
  });
  const listening = await server.listen('127.0.0.1:0');
  t.after(async () => { await server.close(); await listening.close(); });
  const node = proxyNode(cp);
  const events: XdsClientEvent[] = [];
  const client = new XdsClient({ address: `127.0.0.1:${listening.port}`, node, onEvent: (e) => events.push(e) });
  t.after(() => client.close());
  client.start();
  await client.ready();
  await waitFor('every type ACKed', () => allAcked(server, node.id!));
  const s1 = client.current();
  const good = s1.versions[RDS];

  poisoned = true;
  source.poke();
  await waitFor('a rejection', () => events.some((e) => e.type === 'rejected'));
  const rej = events.find((e) => e.type === 'rejected') as Extract<XdsClientEvent, { type: 'rejected' }>;
  assert.equal(rej.typeUrl, RDS);
  assert.match(rej.reason, /route configuration 8080: .*invalid RE2 regex "\/canary\(\?=\/\)"/);
  assert.equal(client.current(), s1, 'the previous snapshot stays');
  assert.equal(client.latest().versions[RDS], good);
  await waitFor('the NACK recorded', () => !!server.statuses()[0]?.types.find((x) => x.typeUrl === RDS)?.lastNack);
  const rds = server.statuses()[0]!.types.find((x) => x.typeUrl === RDS)!;
  assert.equal(rds.ackedVersion, good);
  assert.equal(rds.lastNack!.version, rej.version);
  assert.equal(rds.lastNack!.code, 3);
  assert.equal(rds.lastNack!.message, rej.reason);

  // Fixed upstream: pushed again, applied and ACKed.
  poisoned = false;
  source.poke();
  const rdsNow = () => server.statuses()[0]!.types.find((x) => x.typeUrl === RDS)!;
  await waitFor('the fix ACKed', () => rdsNow().sentVersion === good && allAcked(server, node.id!));
  assert.notEqual(client.current(), s1, 'applied again: a new snapshot object');
  assert.equal(events.filter((e) => e.type === 'rejected').length, 1);
  assert.equal(routeOf(client.current(), '/canary/x')?.route?.cluster, V11);
});

test('xds client: keeps its snapshot while the server is away, backs off, and converges when it returns', { timeout: 30_000 }, async (t) => {
  const cp = await controlPlane();
  t.after(() => cp.close());
  const a1 = new AdsServer({ source: cp.source, debounceMs: 5 });
  const l1 = await a1.listen('127.0.0.1:0');
  const port = l1.port;
  const node = proxyNode(cp);
  const clock = new FakeClock();
  const events: XdsClientEvent[] = [];
  const client = new XdsClient({ address: `127.0.0.1:${port}`, node, clock, random: () => 0.5, onEvent: (e) => events.push(e) });
  t.after(() => client.close());
  client.start();
  await client.ready();
  await waitFor('every type ACKed', () => allAcked(a1, node.id!));
  const s1 = client.current();
  const held = { ...s1.versions };

  await a1.close();
  await l1.close();
  const disconnects = () => events.filter((e): e is Extract<XdsClientEvent, { type: 'disconnected' }> => e.type === 'disconnected');
  await waitFor('the disconnect', () => disconnects().length === 1);
  assert.equal(disconnects()[0]!.wasConnected, true);
  assert.equal(disconnects()[0]!.retryInMs, 250, '0.5 × 500 ms');
  assert.equal(client.current(), s1, 'keeps serving its last config');
  assert.equal(client.isConnected, false);

  // Nobody listens: each attempt fails and the next waits twice as long (0.5 × ceiling).
  clock.advance(249);
  assert.equal(disconnects().length, 1, 'not before the delay');
  clock.advance(1);
  await waitFor('attempt 2 fails', () => disconnects().length === 2);
  clock.advance(500);
  await waitFor('attempt 3 fails', () => disconnects().length === 3);
  assert.deepEqual(disconnects().map((e) => e.retryInMs), [250, 500, 1000]);
  assert.equal(disconnects()[1]!.wasConnected, false);
  assert.equal(client.current(), s1);

  // The control plane comes back on the same port.
  const a2 = new AdsServer({ source: cp.source, debounceMs: 5 });
  const firstRequests: DiscoveryRequest[] = [];
  const open = a2.openStream.bind(a2);
  a2.openStream = (tr: SotwTransport) => {
    const h = open(tr);
    return { receive: (req) => { if (!req.responseNonce) firstRequests.push(req); h.receive(req); }, closed: () => h.closed() };
  };
  const l2 = await a2.listen(`127.0.0.1:${port}`);
  t.after(async () => { await a2.close(); await l2.close(); });
  clock.advance(1000);
  await waitFor('reconnected and ACKed', () => client.isConnected && allAcked(a2, node.id!));
  assert.equal(events.filter((e) => e.type === 'connected').length, 2);
  // It re-sent its subscriptions, in order, with the versions it holds.
  assert.deepEqual(firstRequests.map((r) => [r.typeUrl, r.versionInfo ?? '']), [[CDS, held[CDS]], [EDS, held[EDS]], [LDS, held[LDS]], [RDS, held[RDS]]]);
  assert.ok(firstRequests[0]!.node?.id === node.id && !firstRequests[1]!.node);
  assert.deepEqual(client.current().versions, held, 'same config, same versions');

  // A successful stream reset the backoff.
  await a2.close();
  await waitFor('second outage', () => disconnects().length === 4);
  assert.equal(disconnects()[3]!.retryInMs, 250);
});

test('xds client: listeners wait for their routes (warming) until the initial fetch timeout', { timeout: 20_000 }, async (t) => {
  const cp = await controlPlane();
  t.after(() => cp.close());
  const server = new AdsServer({ source: cp.source, debounceMs: 5, generators: { ...defaultGenerators, [RDS]: () => [] } });
  const listening = await server.listen('127.0.0.1:0');
  t.after(async () => { await server.close(); await listening.close(); });
  const clock = new FakeClock();
  const events: XdsClientEvent[] = [];
  const node = proxyNode(cp);
  const client = new XdsClient({ address: `127.0.0.1:${listening.port}`, node, clock, initialFetchTimeoutMs: 5000, onEvent: (e) => events.push(e) });
  t.after(() => client.close());
  client.start();
  await waitFor('every type ACKed', () => allAcked(server, node.id!));
  assert.equal(client.latest().listeners.size > 0, true);
  assert.equal(client.current().listeners.size, 0, 'cold listeners are not swapped in');
  assert.ok(client.current().clusters.size > 0, 'warm clusters were');
  clock.advance(4999);
  assert.equal(client.current().listeners.size, 0);
  clock.advance(1);
  await client.ready();
  assert.equal(client.current(), client.latest());
  const forced = events.filter((e): e is Extract<XdsClientEvent, { type: 'swapped' }> => e.type === 'swapped').at(-1)!;
  assert.equal(forced.warm, false);
  assert.ok(forced.waitingFor!.routes.includes('8080'), forced.waitingFor!.routes.join(' '));
});
