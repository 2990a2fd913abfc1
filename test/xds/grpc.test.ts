/**
 * Integration over real gRPC on 127.0.0.1 (port 0): a raw grpc-js client of adsServiceDefinition()
 * speaks StreamAggregatedResources to the AdsServer: CDS, EDS, LDS, RDS requests, ACKs and a
 * NACK; versions, nonces, resource sets and the NACK record are checked, a snapshot change
 * produces a push, a new stream gets the full current set, and closing the server ends streams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { adsServiceDefinition } from '../../src/api/xds/index.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse } from '../../src/api/xds/discovery.js';
import { AdsServer } from '../../src/xds/server.js';
import { BASE, FakeSource, NODE_A, fakeGenerators, fakeSnapshot, recorder, type FakeData } from './fakes.js';

const LDS = TypeUrl.Listener;
const CDS = TypeUrl.Cluster;
const RDS = TypeUrl.RouteConfiguration;
const EDS = TypeUrl.ClusterLoadAssignment;
const CA = 'outbound|8080||a.default.svc.cluster.local';
const CB = 'outbound|8080||b.default.svc.cluster.local';

type AdsClient = grpc.Client & {
  StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  DeltaAggregatedResources(): grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
};

/** A duplex call with a promise-based reader and a timeout on every read. */
function reader<Req, Res>(call: grpc.ClientDuplexStream<Req, Res>) {
  const queue: Res[] = [];
  const waiters: ((r: Res) => void)[] = [];
  let status: grpc.StatusObject | undefined;
  let statusWaiter: ((s: grpc.StatusObject) => void) | undefined;
  call.on('data', (r: Res) => {
    const w = waiters.shift();
    if (w) w(r);
    else queue.push(r);
  });
  call.on('status', (s: grpc.StatusObject) => {
    status = s;
    statusWaiter?.(s);
  });
  call.on('error', () => {});
  return {
    next(ms = 3000): Promise<Res> {
      const q = queue.shift();
      if (q) return Promise.resolve(q);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no response within ${ms} ms`)), ms);
        waiters.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
    },
    /** Resolves undefined when nothing arrives within `ms`. */
    async none(ms = 150): Promise<Res | undefined> {
      await new Promise((r) => setTimeout(r, ms));
      return queue.shift();
    },
    status(ms = 3000): Promise<grpc.StatusObject> {
      if (status) return Promise.resolve(status);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no status')), ms);
        statusWaiter = (s) => {
          clearTimeout(timer);
          resolve(s);
        };
      });
    },
  };
}

const names = (r: DiscoveryResponse): string[] =>
  (r.resources ?? []).map((x) => String((x as { name?: string }).name ?? (x as { clusterName?: string }).clusterName));

test('ADS over gRPC: requests, ACK, NACK, push on change, reconnect, shutdown', { timeout: 20_000 }, async () => {
  let data: FakeData = structuredClone(BASE);
  const source = new FakeSource(fakeSnapshot('s1', data));
  const rec = recorder();
  const server = new AdsServer({ source, generators: fakeGenerators, debounceMs: 10, debounceMaxMs: 50, onEvent: rec.on });
  const listening = await server.listen('127.0.0.1:0');
  assert.ok(listening.port > 0);
  const Ctor = grpc.makeClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
  const client = new Ctor(`127.0.0.1:${listening.port}`, grpc.credentials.createInsecure()) as unknown as AdsClient;
  try {
    const call = client.StreamAggregatedResources();
    const r = reader(call);
    const node = { id: NODE_A, metadata: { NAMESPACE: 'default', LABELS: { app: 'a' }, GENERATOR: '' } };

    call.write({ node, typeUrl: CDS });
    const cds = await r.next();
    assert.equal(cds.typeUrl, CDS);
    assert.deepEqual(names(cds), [CA, CB]);
    assert.equal((cds.resources![0] as { '@type': string })['@type'], CDS);
    assert.equal(cds.controlPlane?.identifier, 'trellis');
    call.write({ typeUrl: CDS, versionInfo: cds.versionInfo, responseNonce: cds.nonce });

    call.write({ typeUrl: EDS, resourceNames: [CA] });
    const eds = await r.next();
    assert.deepEqual(names(eds), [CA]);
    call.write({ typeUrl: EDS, versionInfo: eds.versionInfo, responseNonce: eds.nonce, resourceNames: [CA] });

    call.write({ typeUrl: LDS });
    const lds = await r.next();
    assert.deepEqual(names(lds), ['0.0.0.0_8080', 'virtualOutbound']);
    call.write({ typeUrl: LDS, versionInfo: lds.versionInfo, responseNonce: lds.nonce });

    call.write({ typeUrl: RDS, resourceNames: ['8080'] });
    const rds = await r.next();
    assert.deepEqual(names(rds), ['8080']);
    call.write({ typeUrl: RDS, versionInfo: '', responseNonce: rds.nonce, resourceNames: ['8080'], errorDetail: { code: 3, message: 'route 8080 rejected' } });
    assert.equal(await r.none(), undefined, 'ACKs and NACKs get no response');

    const nonces = new Set([cds.nonce, eds.nonce, lds.nonce, rds.nonce]);
    assert.equal(nonces.size, 4, 'nonces are unique');
    const st = server.statuses();
    assert.equal(st.length, 1);
    const byType = new Map(st[0]!.types.map((x) => [x.typeUrl, x]));
    assert.equal(byType.get(CDS)!.ackedVersion, cds.versionInfo);
    assert.equal(byType.get(EDS)!.ackedVersion, eds.versionInfo);
    assert.equal(byType.get(LDS)!.ackedVersion, lds.versionInfo);
    assert.equal(byType.get(RDS)!.ackedVersion, undefined);
    assert.equal(byType.get(RDS)!.sentVersion, rds.versionInfo);
    assert.deepEqual(
      { ...byType.get(RDS)!.lastNack, at: 0 },
      { version: rds.versionInfo, nonce: rds.nonce, message: 'route 8080 rejected', code: 3, at: 0 },
    );
    assert.deepEqual(byType.get(EDS)!.subscribed, [CA]);
    assert.equal(byType.get(LDS)!.subscribed, '*');

    // a route change is pushed (RDS only: the rest is unchanged)
    data = structuredClone(data);
    data.routes['8080'] = 'v2';
    source.change(fakeSnapshot('s2', data), ['VirtualService']);
    const pushed = await r.next();
    assert.equal(pushed.typeUrl, RDS);
    assert.notEqual(pushed.versionInfo, rds.versionInfo);
    assert.ok(!nonces.has(pushed.nonce));
    assert.equal((pushed.resources![0] as { virtualHosts: { name: string }[] }).virtualHosts[0]!.name, 'v2');
    call.write({ typeUrl: RDS, versionInfo: pushed.versionInfo, responseNonce: pushed.nonce, resourceNames: ['8080'] });
    // an endpoint change is pushed as EDS
    data = structuredClone(data);
    data.endpoints[CA] = ['10.0.0.1', '10.0.0.11'];
    source.change(fakeSnapshot('s3', data), ['endpoints']);
    const edsPush = await r.next();
    assert.equal(edsPush.typeUrl, EDS);
    call.write({ typeUrl: EDS, versionInfo: edsPush.versionInfo, responseNonce: edsPush.nonce, resourceNames: [CA] });
    assert.equal(await r.none(), undefined);
    const after = new Map(server.statuses()[0]!.types.map((x) => [x.typeUrl, x]));
    assert.equal(after.get(RDS)!.ackedVersion, pushed.versionInfo);
    assert.equal(after.get(EDS)!.ackedVersion, edsPush.versionInfo);
    assert.ok(rec.of('converged').length >= 2);

    // the client goes away and comes back: a full, current set
    call.end();
    await r.status();
    for (let i = 0; i < 50 && server.statuses().length > 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(server.statuses().length, 0);
    const call2 = client.StreamAggregatedResources();
    const r2 = reader(call2);
    call2.write({ node, typeUrl: RDS, resourceNames: ['8080'], responseNonce: pushed.nonce, versionInfo: pushed.versionInfo });
    const again = await r2.next();
    assert.equal(again.versionInfo, pushed.versionInfo, 'same content, same version');
    assert.deepEqual(names(again), ['8080']);

    // delta over gRPC: a wildcard CDS subscription
    const d = client.DeltaAggregatedResources();
    const rd = reader(d);
    d.write({ node: { id: 'sidecar~10.0.0.2~b-1.default~default.svc.cluster.local' }, typeUrl: CDS });
    const dr = await rd.next();
    assert.deepEqual(dr.resources!.map((x) => x.name), [CA, CB]);
    d.write({ typeUrl: CDS, responseNonce: dr.nonce });
    d.end();
    await rd.status();

    // shutting down the server ends open streams with UNAVAILABLE
    await server.close();
    const s = await r2.status();
    assert.equal(s.code, grpc.status.UNAVAILABLE);
  } finally {
    client.close();
    await server.close();
    await listening.close();
  }
});
