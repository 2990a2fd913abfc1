/**
 * Interoperability with a real xDS client: @grpc/grpc-js-xds dials `xds:///echo:7070` against the
 * AdsServer on 127.0.0.1 (generators here are hand-written, proxyless-style resources: the
 * proxyless compiler is tested elsewhere). Calls reach backend one; a route change pushed by the
 * server moves them to backend two without the client reconnecting; the server sees the client's
 * ACKs for all four types. Everything started here is stopped at the end.
 *
 * grpc-js-xds leaves a 10 s priority-failover timer running after its channel is closed
 * (load-balancer-priority.ts startFailoverTimer), which would hold this test process open; the
 * file therefore exits shortly after its tests, keeping the exit code node:test set.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { AdsServer } from '../../src/xds/server.js';
import type { GeneratorSet } from '../../src/xds/types.js';
import { FakeSource } from './fakes.js';
import type { Snapshot } from '../../src/model/types.js';

after(() => {
  setTimeout(() => process.exit(), 200).unref();
});

const bytes = { requestStream: false, responseStream: false } as const;
const echoDef = {
  Call: {
    path: '/trellis.test.Echo/Call', ...bytes,
    requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
  },
};

async function backend(name: string): Promise<{ port: number; stop: () => void }> {
  const s = new grpc.Server();
  s.addService(echoDef, { Call: (_c: unknown, cb: (e: null, r: Buffer) => void) => cb(null, Buffer.from(name)) });
  const port = await new Promise<number>((res, rej) => s.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { port, stop: () => s.forceShutdown() };
}

type Snap = Snapshot & { cluster: string; ports: Record<string, number> };

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

const generators: GeneratorSet = {
  [TypeUrl.Listener]: (_s, _p, names) => (names ?? []).filter((n) => n === 'echo:7070').map((name) => ({
    name,
    apiListener: { apiListener: { '@type': HCM, rds: { configSource: { ads: {} }, routeConfigName: name }, httpFilters: [{ name: 'router', typedConfig: { '@type': ROUTER } }] } },
  })),
  [TypeUrl.RouteConfiguration]: (s, _p, names) => (names ?? []).map((name) => ({
    name,
    virtualHosts: [{ name: 'echo:7070', domains: ['echo:7070', 'echo'], routes: [{ match: { prefix: '' }, route: { cluster: (s as Snap).cluster } }] }],
  })),
  [TypeUrl.Cluster]: (s, _p, names) => (names ?? Object.keys((s as Snap).ports)).map((name) => ({
    name, type: 'EDS', edsClusterConfig: { edsConfig: { ads: {} }, serviceName: name }, lbPolicy: 'ROUND_ROBIN',
  })),
  [TypeUrl.ClusterLoadAssignment]: (s, _p, names) => (names ?? []).filter((n) => n in (s as Snap).ports).map((clusterName) => ({
    clusterName,
    endpoints: [{
      locality: { region: 'local' }, loadBalancingWeight: 1,
      lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: (s as Snap).ports[clusterName]! } } }, healthStatus: 'HEALTHY' }],
    }],
  })),
};

test('a real grpc-js-xds client follows pushed config without reconnecting', { timeout: 30_000 }, async () => {
  const one = await backend('one');
  const two = await backend('two');
  const ports = { 'outbound|7070||one': one.port, 'outbound|7070||two': two.port };
  const snap = (v: string, cluster: string): Snap => ({ version: v, cluster, ports, workloadByAddress: () => undefined }) as unknown as Snap;
  const source = new FakeSource(snap('s1', 'outbound|7070||one'));
  const server = new AdsServer({ source, debounceMs: 10, generatorsByName: { grpc: generators } });
  const listening = await server.listen('127.0.0.1:0');
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${listening.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'sidecar~127.0.0.9~client-1.default~default.svc.cluster.local', locality: {}, metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' } },
  });
  const xds = await import('@grpc/grpc-js-xds');
  xds.register();
  const Ctor = grpc.makeGenericClientConstructor(echoDef, 'Echo');
  const client = new Ctor('xds:///echo:7070', grpc.credentials.createInsecure());
  const call = () => new Promise<string>((res, rej) => {
    client.makeUnaryRequest('/trellis.test.Echo/Call', (b: Buffer) => b, (b: Buffer) => b, Buffer.from('hi'), { deadline: Date.now() + 3000 },
      (err: grpc.ServiceError | null, r?: Buffer) => (err ? rej(err) : res(String(r))));
  });
  try {
    assert.equal(await call(), 'one');
    const connections = server.statuses().map((s) => s.connectionId);
    assert.equal(connections.length, 1);
    source.change(snap('s2', 'outbound|7070||two'), ['VirtualService']);
    let got = '';
    for (let i = 0; i < 100 && got !== 'two'; i++) {
      got = await call();
      if (got !== 'two') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(got, 'two');
    // the client may use cluster two before its ACK of the last CDS or EDS response is read here
    const synced = () => server.statuses()[0]!.types.every((t) => t.ackedVersion && t.ackedVersion === t.sentVersion);
    for (let i = 0; i < 100 && !synced(); i++) await new Promise((r) => setTimeout(r, 20));
    const [st] = server.statuses();
    assert.deepEqual([st!.connectionId], connections, 'same xDS stream');
    assert.equal(st!.proxy.generator, 'grpc');
    for (const t of st!.types) {
      assert.ok(t.ackedVersion && t.ackedVersion === t.sentVersion, `${t.typeUrl} acked ${t.ackedVersion} sent ${t.sentVersion}`);
      assert.equal(t.lastNack, undefined);
    }
    assert.deepEqual(st!.types.map((t) => t.typeUrl).sort(), Object.values(TypeUrl).sort());
  } finally {
    client.close();
    await server.close();
    one.stop();
    two.stop();
  }
});
