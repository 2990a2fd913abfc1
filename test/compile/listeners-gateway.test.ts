/**
 * The listener compiler for gateways and for TCP/TLS/sniffed service ports, tested by simulation
 * (proxy-adapters.ts over src/proxy/listener): seed 003's ingress and seed 000's egress gateway (server port 80 → the
 * gateway Service's targetPort 8080), HTTPS termination by SNI with SDS credentials, TLS
 * passthrough, AUTO_PASSTHROUGH, TCP servers; VIP_PORT tcp_proxy listeners, weighted TCP routes,
 * SNI-matched TLS routes and protocol sniffing on sidecars.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpConnectionManagerAny, TcpProxyAny } from '../../src/api/envoy/listener.js';
import { snapshotFrom } from '../helpers/snapshot.js';
import { compile, inbound, names, outbound, outcome, pickChain, vip } from './proxy-adapters.js';

describe('gateway listeners', () => {
  it('seed 003: the ingress gateway listens on 0.0.0.0_8080 (Service 80 → 8080) with RDS http.8080', () => {
    const snap = snapshotFrom(['examples/003-ingress-uri-routing']);
    const { ls } = compile(snap, 'istio-system/istio-ingressgateway');
    assert.deepEqual(names(ls), ['0.0.0.0_8080']);
    const l = ls[0]!;
    assert.equal(l.bindToPort, true);
    assert.deepEqual(outcome(pickChain(l, { address: '0.0.0.0', port: 8080, http: true })), { rds: 'http.8080' });
    const hcm = l.filterChains![0]!.filters[0]!.typedConfig as HttpConnectionManagerAny;
    assert.equal(hcm.useRemoteAddress, true);
    assert.equal(hcm.statPrefix, 'outbound_0.0.0.0_8080;');
  });

  it('seed 000 step 02: the egress gateway listens on 0.0.0.0_8080 with RDS http.8080', () => {
    const base = 'examples/000-external-services';
    const snap = snapshotFrom([base, `${base}/steps/01-workload-entry`, `${base}/steps/02-egress-gateway`]);
    const { ls } = compile(snap, 'istio-system/istio-egressgateway');
    assert.deepEqual(names(ls), ['0.0.0.0_8080']);
    assert.deepEqual(outcome(pickChain(ls[0]!, { address: '0.0.0.0', port: 8080, http: true })), { rds: 'http.8080' });
    const ingress = compile(snap, 'istio-system/istio-ingressgateway').ls;
    assert.deepEqual(ingress, [], 'the egress Gateway does not select the ingress gateway');
  });

  const GW = `
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: [secure.example.com]
    tls: { mode: SIMPLE, credentialName: secure-cert, minProtocolVersion: TLSV1_2 }
  - port: { number: 443, name: tls-pass, protocol: TLS }
    hosts: [pass.example.com]
    tls: { mode: PASSTHROUGH }
  - port: { number: 15443, name: tls, protocol: TLS }
    hosts: ["*.local"]
    tls: { mode: AUTO_PASSTHROUGH }
  - port: { number: 31400, name: tcp, protocol: TCP }
    hosts: ["*"]
---
apiVersion: v1
kind: Service
metadata: { name: backend, namespace: default }
spec:
  selector: { app: backend }
  ports: [{ name: http, port: 8000, targetPort: 80 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: backend, namespace: default }
spec:
  selector: { matchLabels: { app: backend } }
  template: { metadata: { labels: { app: backend } }, spec: { containers: [{ name: b, image: b }] } }
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: pass, namespace: default }
spec:
  hosts: [pass.example.com]
  gateways: [istio-system/edge]
  tls:
  - match: [{ sniHosts: [pass.example.com] }]
    route: [{ destination: { host: backend, port: { number: 8000 } } }]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: tcp, namespace: default }
spec:
  hosts: ["*"]
  gateways: [istio-system/edge]
  tcp:
  - route: [{ destination: { host: backend } }]
`;

  it('terminates HTTPS by SNI with the credential over SDS and Istio\'s https.* route name', () => {
    const snap = snapshotFrom(GW);
    const { ls } = compile(snap, 'istio-system/istio-ingressgateway');
    const l = ls.find((x) => x.name === '0.0.0.0_8443');
    assert.ok(l, `listeners: ${names(ls).join(', ')}`);
    assert.deepEqual(l.listenerFilters?.map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
    const chain = pickChain(l, { address: '0.0.0.0', port: 8443, tls: true, sni: 'secure.example.com' });
    assert.deepEqual(outcome(chain), { rds: 'https.443.https.edge.istio-system' });
    const tls = chain!.transportSocket!.typedConfig;
    assert.deepEqual(tls.commonTlsContext.tlsCertificateSdsSecretConfigs, [
      { name: 'kubernetes://secure-cert', sdsConfig: { ads: {}, resourceApiVersion: 'V3' } },
    ]);
    assert.deepEqual(tls.commonTlsContext.alpnProtocols, ['h2', 'http/1.1']);
    assert.equal(tls.commonTlsContext.tlsParams?.tlsMinimumProtocolVersion, 'TLSv1_2');
    assert.equal(tls.requireClientCertificate, false);
  });

  it('passes TLS through by SNI to the TLS route\'s cluster', () => {
    const snap = snapshotFrom(GW);
    const l = compile(snap, 'istio-system/istio-ingressgateway').ls.find((x) => x.name === '0.0.0.0_8443')!;
    assert.deepEqual(outcome(pickChain(l, { address: '0.0.0.0', port: 8443, tls: true, sni: 'pass.example.com' })), {
      cluster: 'outbound|8000||backend.default.svc.cluster.local',
    });
  });

  it('AUTO_PASSTHROUGH routes SNI outbound_.PORT_._.HOST to the SNI-DNAT cluster', () => {
    const snap = snapshotFrom(GW);
    const l = compile(snap, 'istio-system/istio-ingressgateway').ls.find((x) => x.address.socketAddress?.portValue === 15443);
    assert.ok(l);
    const sni = 'outbound_.8000_._.backend.default.svc.cluster.local';
    const chain = l.filterChains!.find((c) => c.filterChainMatch?.serverNames?.includes(sni));
    assert.ok(chain, 'no chain for the backend SNI');
    assert.deepEqual(outcome(chain), { cluster: sni });
    assert.ok(chain.filterChainMatch?.applicationProtocols?.includes('istio-peer-exchange'));
  });

  it('forwards a TCP server through the first matching TCP route', () => {
    const snap = snapshotFrom(GW);
    const l = compile(snap, 'istio-system/istio-ingressgateway').ls.find((x) => x.name === '0.0.0.0_31400')!;
    assert.deepEqual(outcome(pickChain(l, { address: '0.0.0.0', port: 31400 })), {
      cluster: 'outbound|8000||backend.default.svc.cluster.local',
    });
  });
});

describe('TCP, TLS and sniffed service ports', () => {
  const YAML = `
apiVersion: v1
kind: Service
metadata: { name: mysql, namespace: default }
spec:
  selector: { app: mysql }
  ports: [{ name: tcp-mysql, port: 3306 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: mysql, namespace: default }
spec:
  selector: { matchLabels: { app: mysql } }
  template: { metadata: { labels: { app: mysql } }, spec: { containers: [{ name: m, image: m }] } }
---
apiVersion: v1
kind: Service
metadata: { name: legacy, namespace: default }
spec:
  selector: { app: legacy }
  ports: [{ name: web, port: 9000 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: client, namespace: default }
spec:
  selector: { matchLabels: { app: client } }
  template: { metadata: { labels: { app: client } }, spec: { containers: [{ name: c, image: c }] } }
---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: { name: ext, namespace: default }
spec:
  hosts: [api.example.com, www.example.com]
  addresses: [198.51.100.7]
  ports: [{ number: 443, name: tls, protocol: TLS }]
  location: MESH_EXTERNAL
  resolution: DNS
`;
  const TLS_VS = `
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: ext, namespace: default }
spec:
  hosts: [api.example.com, www.example.com]
  tls:
  - match: [{ sniHosts: [api.example.com] }]
    route: [{ destination: { host: api.example.com } }]
  - match: [{ sniHosts: [www.example.com] }]
    route: [{ destination: { host: www.example.com, port: { number: 443 } } }]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: mysql, namespace: default }
spec:
  hosts: [mysql]
  tcp:
  - route:
    - { destination: { host: mysql, subset: a }, weight: 80 }
    - { destination: { host: mysql, subset: b }, weight: 20 }
`;

  it('gives a TCP service a VIP_PORT listener with tcp_proxy to outbound|PORT||FQDN', () => {
    const snap = snapshotFrom(YAML);
    const { ls } = compile(snap, 'default/client');
    const ip = vip(snap, 'mysql.default.svc.cluster.local');
    const r = outbound(ls, { address: ip, port: 3306 });
    assert.deepEqual(r, { listener: `${ip}_3306`, cluster: 'outbound|3306||mysql.default.svc.cluster.local' });
    const l = ls.find((x) => x.name === `${ip}_3306`)!;
    assert.equal(l.bindToPort, false);
    assert.equal(l.listenerFilters, undefined);
    assert.equal((l.filterChains![0]!.filters[0]!.typedConfig as TcpProxyAny).statPrefix, 'outbound|3306||mysql.default.svc.cluster.local');
  });

  it('splits a TCP route by weight, stat prefix VSNAME.NAMESPACE', () => {
    const snap = snapshotFrom(YAML + TLS_VS);
    const { ls } = compile(snap, 'default/client');
    const ip = vip(snap, 'mysql.default.svc.cluster.local');
    assert.deepEqual(outbound(ls, { address: ip, port: 3306 }), {
      listener: `${ip}_3306`,
      weighted: ['outbound|3306|a|mysql.default.svc.cluster.local:80', 'outbound|3306|b|mysql.default.svc.cluster.local:20'],
    });
  });

  it('matches TLS routes by SNI behind a tls_inspector, and falls back to the egress cluster', () => {
    const snap = snapshotFrom(YAML + TLS_VS);
    const { ls } = compile(snap, 'default/client');
    const l = ls.find((x) => x.name === '198.51.100.7_443')!;
    assert.deepEqual(l.listenerFilters?.map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
    assert.deepEqual(outbound(ls, { address: '198.51.100.7', port: 443, tls: true, sni: 'api.example.com' }), {
      listener: '198.51.100.7_443', cluster: 'outbound|443||api.example.com',
    });
    assert.deepEqual(outbound(ls, { address: '198.51.100.7', port: 443, tls: true, sni: 'www.example.com' }), {
      listener: '198.51.100.7_443', cluster: 'outbound|443||www.example.com',
    });
    assert.deepEqual(outbound(ls, { address: '198.51.100.7', port: 443, tls: true, sni: 'other.example.com' }), {
      listener: '198.51.100.7_443', cluster: 'PassthroughCluster',
    });
  });

  it('without a TLS route, a TLS service on its own VIP needs no SNI match', () => {
    const snap = snapshotFrom(YAML);
    const { ls } = compile(snap, 'default/client');
    assert.deepEqual(outbound(ls, { address: '198.51.100.7', port: 443, tls: true, sni: 'anything' }), {
      listener: '198.51.100.7_443', cluster: 'outbound|443||api.example.com',
    });
  });

  it('treats UNKNOWN ports as TCP by default', () => {
    const snap = snapshotFrom(YAML);
    const { ls } = compile(snap, 'default/client');
    const ip = vip(snap, 'legacy.default.svc.cluster.local');
    assert.deepEqual(outbound(ls, { address: ip, port: 9000, http: true }), {
      listener: `${ip}_9000`, cluster: 'outbound|9000||legacy.default.svc.cluster.local',
    });
  });

  it('sniffs UNKNOWN ports with protocolSniffing: HTTP → route HOST:PORT, other bytes → tcp_proxy', () => {
    const snap = snapshotFrom(YAML);
    const { ls } = compile(snap, 'default/client', { protocolSniffing: true });
    const ip = vip(snap, 'legacy.default.svc.cluster.local');
    const l = ls.find((x) => x.name === `${ip}_9000`)!;
    assert.deepEqual(l.listenerFilters?.map((f) => f.name), ['envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector']);
    assert.deepEqual(outbound(ls, { address: ip, port: 9000, http: true }), { listener: `${ip}_9000`, rds: 'legacy.default.svc.cluster.local:9000' });
    assert.deepEqual(outbound(ls, { address: ip, port: 9000 }), { listener: `${ip}_9000`, cluster: 'outbound|9000||legacy.default.svc.cluster.local' });
  });

  it('serves a TCP inbound port with tcp_proxy to inbound|PORT||', () => {
    const snap = snapshotFrom(YAML);
    const { ls } = compile(snap, 'default/mysql');
    assert.deepEqual(inbound(ls, { address: '127.1.0.1', port: 3306 }), { chain: '0.0.0.0_3306', cluster: 'inbound|3306||' });
  });
});
