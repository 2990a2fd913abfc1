/**
 * The listener compiler for sidecars, tested by simulation (proxy-adapters.ts over src/proxy/listener): seed 001's
 * outbound HTTP listener and RDS name, the virtual listeners, Sidecar scoping with REGISTRY_ONLY
 * and ALLOW_ANY, and the inbound chains of a Deployment behind a Service.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpConnectionManagerAny } from '../../src/api/envoy/listener.js';
import { snapshotFrom } from '../helpers/snapshot.js';
import { compile, inbound, names, outbound, vip } from './proxy-adapters.js';

// ---- seeds ----------------------------------------------------------------------------------

const SEED001 = 'examples/001-sidecar-canary';
const DEMOAPP = 'demoapp.default.svc.cluster.local';
const PROXY_SVC = 'proxy.default.svc.cluster.local';

describe('sidecar listeners: seed 001', () => {
  const snap = snapshotFrom([SEED001]);
  const { ls } = compile(snap, 'default/proxy');

  it('has 0.0.0.0_8080 routed by RDS "8080", plus virtualOutbound and virtualInbound', () => {
    assert.ok(names(ls).includes('0.0.0.0_8080'));
    assert.ok(names(ls).includes('virtualOutbound'));
    assert.ok(names(ls).includes('virtualInbound'));
    const l = ls.find((x) => x.name === '0.0.0.0_8080')!;
    assert.equal(l.bindToPort, false);
    assert.equal(l.trafficDirection, 'OUTBOUND');
    const hcm = l.filterChains![0]!.filters[0]!.typedConfig as HttpConnectionManagerAny;
    assert.equal(hcm.statPrefix, 'outbound_0.0.0.0_8080;');
    assert.deepEqual(hcm.rds?.configSource, { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' });
    assert.deepEqual(hcm.httpFilters.map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
    assert.equal(hcm.httpFilters[2]!.typedConfig['@type'], 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router');
  });

  it('sends HTTP to demoapp:8080 through the 8080 route configuration', () => {
    assert.deepEqual(outbound(ls, { address: vip(snap, DEMOAPP), port: 8080, http: true }), { listener: '0.0.0.0_8080', rds: '8080' });
  });

  it('passes non-HTTP bytes on 8080 and unknown destinations through (ALLOW_ANY by default)', () => {
    assert.deepEqual(outbound(ls, { address: vip(snap, DEMOAPP), port: 8080 }), { listener: '0.0.0.0_8080', cluster: 'PassthroughCluster' });
    assert.deepEqual(outbound(ls, { address: '203.0.113.9', port: 5432 }), { listener: 'virtualOutbound', cluster: 'PassthroughCluster' });
    assert.deepEqual(outbound(ls, { address: '127.0.0.1', port: 15001 }), { listener: 'virtualOutbound', cluster: 'BlackHoleCluster' });
  });

  it('serves the Deployment behind Service proxy (80 → 8080) on an inbound 0.0.0.0_8080 chain', () => {
    assert.deepEqual(inbound(ls, { address: '127.1.0.1', port: 8080, http: true }), {
      chain: '0.0.0.0_8080', routeCluster: 'inbound|8080||', vhost: 'inbound|http|80',
    });
    assert.deepEqual(inbound(ls, { address: '127.1.0.1', port: 9999 }), { chain: 'virtualInbound', cluster: 'InboundPassthroughCluster' });
    assert.deepEqual(inbound(ls, { address: '127.1.0.1', port: 15006 }), { chain: 'virtualInbound-blackhole', cluster: 'BlackHoleCluster' });
    const vi = ls.find((l) => l.name === 'virtualInbound')!;
    assert.equal(vi.address.socketAddress?.portValue, 15006);
    assert.deepEqual(vi.listenerFilters?.map((f) => f.name), ['envoy.filters.listener.original_dst']);
  });

  it('orders listeners as Istio does: outbound, virtualOutbound, inbound', () => {
    assert.equal(names(ls).at(-1), 'virtualInbound');
    assert.equal(names(ls).at(-2), 'virtualOutbound');
  });
});

describe('Sidecar scoping: seed 001 steps 02 and 03', () => {
  it('REGISTRY_ONLY leaves the client only 8080 plus the virtual listeners and blackholes proxy:80', () => {
    const snap = snapshotFrom([SEED001, `${SEED001}/steps/02-sidecar-registry-only`]);
    const { ls } = compile(snap, 'default/client');
    assert.deepEqual(names(ls), ['0.0.0.0_8080', 'virtualOutbound', 'virtualInbound']);
    assert.deepEqual(outbound(ls, { address: vip(snap, DEMOAPP), port: 8080, http: true }), { listener: '0.0.0.0_8080', rds: '8080' });
    assert.deepEqual(outbound(ls, { address: vip(snap, PROXY_SVC), port: 80, http: true }), { listener: 'virtualOutbound', cluster: 'BlackHoleCluster' });
    assert.deepEqual(outbound(ls, { address: vip(snap, DEMOAPP), port: 8080 }), { listener: '0.0.0.0_8080', cluster: 'BlackHoleCluster' });
    const vo = ls.find((l) => l.name === 'virtualOutbound')!;
    assert.equal(vo.useOriginalDst, true);
    assert.equal(vo.address.socketAddress?.portValue, 15001);
  });

  it('ALLOW_ANY passes proxy:80 through', () => {
    const snap = snapshotFrom([SEED001, `${SEED001}/steps/03-sidecar-allow-any`]);
    const { ls } = compile(snap, 'default/client');
    assert.deepEqual(names(ls), ['0.0.0.0_8080', 'virtualOutbound', 'virtualInbound']);
    assert.deepEqual(outbound(ls, { address: vip(snap, PROXY_SVC), port: 80, http: true }), { listener: 'virtualOutbound', cluster: 'PassthroughCluster' });
  });

  it('leaves other workloads in the namespace unscoped', () => {
    const snap = snapshotFrom([SEED001, `${SEED001}/steps/02-sidecar-registry-only`]);
    const { ls } = compile(snap, 'default/proxy');
    assert.ok(names(ls).includes('0.0.0.0_80'));
    assert.deepEqual(outbound(ls, { address: '203.0.113.9', port: 5432 }), { listener: 'virtualOutbound', cluster: 'PassthroughCluster' });
  });
});

