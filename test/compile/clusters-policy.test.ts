/**
 * Cluster compiler, DestinationRule details: Istio's merge of portLevelSettings and subset
 * policies (port-level replaces whole field groups; subset overrides field group by field group;
 * a subset's port-level entry wins for its port), load-balancer variants, consistent-hash keys on
 * routes, h2 upgrade, idle timeouts, and upstream TLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotFrom, proxyFor } from '../helpers/snapshot.js';
import { compileClusters, hashPolicyFor } from '../../src/compile/clusters/index.js';
import { outboundCluster, serviceFqdn } from '../../src/api/names.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, type Cluster, type UpstreamTlsContext } from '../../src/api/envoy/cluster.js';

const MAX = 4294967295;
const HOST = serviceFqdn('api', 'default');

/** Service `api` (ports 9080 http, 9090 http), two versions, a client, and the given DestinationRule spec. */
function world(drSpec: string, extra = ''): { clusters: Cluster[]; snap: ReturnType<typeof snapshotFrom> } {
  const snap = snapshotFrom(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  selector: {app: api}
  ports: [{name: http-a, port: 9080}, {name: http-b, port: 9090}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-v1, namespace: default}
spec:
  selector: {matchLabels: {app: api, version: v1}}
  template:
    metadata: {labels: {app: api, version: v1}}
    spec: {containers: [{name: api, image: api}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: default}
spec:
  host: api
${drSpec.replace(/^\n/, '').split('\n').map((l) => '  ' + l).join('\n')}
${extra}`);
  return { snap, clusters: compileClusters(snap, proxyFor(snap, 'default/client')) };
}

function get(clusters: readonly Cluster[], port: number, subset = ''): Cluster {
  const name = outboundCluster(HOST, port, subset);
  const c = clusters.find((x) => x.name === name);
  assert.ok(c, `no cluster ${name}`);
  return c;
}

const maxConn = (c: Cluster) => c.circuitBreakers?.thresholds[0]?.maxConnections;

test('port-level settings replace the top-level policy for their port; subsets override per field group', () => {
  const { clusters } = world(`
trafficPolicy:
  loadBalancer: {simple: ROUND_ROBIN}
  connectionPool: {tcp: {maxConnections: 10}}
  outlierDetection: {consecutive5xxErrors: 3}
  portLevelSettings:
  - port: {number: 9080}
    loadBalancer: {simple: RANDOM}
subsets:
- name: a
  labels: {version: v1}
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 5}}
- name: b
  labels: {version: v1}
  trafficPolicy:
    portLevelSettings:
    - port: {number: 9090}
      loadBalancer: {simple: LEAST_REQUEST}
`);
  // Default clusters.
  assert.equal(get(clusters, 9090).lbPolicy, 'ROUND_ROBIN');
  assert.equal(maxConn(get(clusters, 9090)), 10);
  assert.equal(get(clusters, 9090).outlierDetection?.consecutive5xx, 3);
  assert.equal(get(clusters, 9080).lbPolicy, 'RANDOM');
  assert.equal(maxConn(get(clusters, 9080)), MAX, 'port-level does not inherit connectionPool');
  assert.equal(get(clusters, 9080).outlierDetection, undefined, 'port-level does not inherit outlierDetection');
  // Subset a: its connectionPool overrides; the rest comes from the (port-level) top policy.
  assert.equal(get(clusters, 9090, 'a').lbPolicy, 'ROUND_ROBIN');
  assert.equal(maxConn(get(clusters, 9090, 'a')), 5);
  assert.equal(get(clusters, 9090, 'a').outlierDetection?.consecutive5xx, 3);
  assert.equal(get(clusters, 9080, 'a').lbPolicy, 'RANDOM');
  assert.equal(maxConn(get(clusters, 9080, 'a')), 5);
  assert.equal(get(clusters, 9080, 'a').outlierDetection, undefined);
  // Subset b: its port-level entry for 9090 replaces every field group; 9080 keeps the top's port-level.
  assert.equal(get(clusters, 9090, 'b').lbPolicy, 'LEAST_REQUEST');
  assert.equal(maxConn(get(clusters, 9090, 'b')), MAX);
  assert.equal(get(clusters, 9090, 'b').outlierDetection, undefined);
  assert.equal(get(clusters, 9080, 'b').lbPolicy, 'RANDOM');
});

test('consistent hash: ring hash and maglev sizes; hash policy for routes follows subset and port precedence', () => {
  const { clusters, snap } = world(`
trafficPolicy:
  loadBalancer:
    consistentHash:
      httpQueryParameterName: user
      ringHash: {minimumRingSize: 2048}
  portLevelSettings:
  - port: {number: 9090}
    loadBalancer:
      consistentHash: {useSourceIp: true, maglev: {tableSize: 65537}}
subsets:
- name: sticky
  labels: {version: v1}
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpCookie: {name: session, ttl: 0s, path: /}
- name: plain
  labels: {version: v1}
`);
  assert.equal(get(clusters, 9080).lbPolicy, 'RING_HASH');
  assert.equal(get(clusters, 9080).ringHashLbConfig?.minimumRingSize, '2048');
  assert.equal(get(clusters, 9090).lbPolicy, 'MAGLEV');
  assert.equal(get(clusters, 9090).maglevLbConfig?.tableSize, '65537');
  assert.equal(get(clusters, 9080, 'sticky').ringHashLbConfig?.minimumRingSize, '1024');

  const proxy = proxyFor(snap, 'default/client');
  assert.deepEqual(hashPolicyFor(snap, proxy, HOST, 9080), [{ queryParameter: { name: 'user' } }]);
  assert.deepEqual(hashPolicyFor(snap, proxy, HOST, 9090), [{ connectionProperties: { sourceIp: true } }]);
  assert.deepEqual(hashPolicyFor(snap, proxy, HOST, 9090, 'sticky'), [{ cookie: { name: 'session', ttl: '0s', path: '/' } }]);
  assert.deepEqual(hashPolicyFor(snap, proxy, HOST, 9080, 'plain'), [{ queryParameter: { name: 'user' } }]);
  assert.deepEqual(hashPolicyFor(snap, proxy, serviceFqdn('nothing', 'default'), 80), []);
});

test('simple load balancers, PASSTHROUGH, warmup and locality weighting', () => {
  const { clusters } = world(`
trafficPolicy:
  loadBalancer:
    simple: LEAST_CONN
    warmupDurationSecs: 30s
    localityLbSetting:
      distribute:
      - from: "*"
        to: {"us-east/*": 100}
subsets:
- name: pt
  labels: {version: v1}
  trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
`);
  const c = get(clusters, 9080);
  assert.equal(c.lbPolicy, 'LEAST_REQUEST');
  assert.deepEqual(c.leastRequestLbConfig, { slowStartConfig: { slowStartWindow: '30s' } });
  assert.deepEqual(c.commonLbConfig?.localityWeightedLbConfig, {});
  const pt = get(clusters, 9080, 'pt');
  assert.equal(pt.type, 'ORIGINAL_DST');
  assert.equal(pt.lbPolicy, 'CLUSTER_PROVIDED');
  assert.equal(pt.edsClusterConfig, undefined);
});

test('connection pool: http idle timeout, max connection duration, retries, h2 upgrade, client protocol', () => {
  const { clusters } = world(`
trafficPolicy:
  connectionPool:
    tcp: {maxConnectionDuration: 1h, idleTimeout: 30s, connectTimeout: 250ms}
    http: {http1MaxPendingRequests: 3, maxRetries: 2, idleTimeout: 90s, h2UpgradePolicy: UPGRADE}
  portLevelSettings:
  - port: {number: 9090}
    connectionPool:
      http: {useClientProtocol: true}
`);
  const c = get(clusters, 9080);
  assert.deepEqual(c.circuitBreakers?.thresholds[0], {
    maxConnections: MAX, maxPendingRequests: 3, maxRequests: MAX, maxRetries: 2, trackRemaining: true,
  });
  assert.equal(c.connectTimeout, '0.250s');
  const opts = c.typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY];
  assert.deepEqual(opts?.commonHttpProtocolOptions, { idleTimeout: '90s', maxConnectionDuration: '3600s' });
  assert.deepEqual(opts?.explicitHttpConfig, { http2ProtocolOptions: {} }, 'h2UpgradePolicy UPGRADE');
  const d = get(clusters, 9090).typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY];
  assert.deepEqual(d?.useDownstreamProtocolConfig, { httpProtocolOptions: {}, http2ProtocolOptions: {} });
  assert.equal(d?.explicitHttpConfig, undefined);
});

function tlsOf(c: Cluster): UpstreamTlsContext | undefined {
  if (!c.transportSocket) return undefined;
  assert.equal(c.transportSocket.name, 'envoy.transport_sockets.tls');
  return c.transportSocket.typedConfig as unknown as UpstreamTlsContext;
}

test('TLS: ISTIO_MUTUAL uses Istio SDS secrets, SNI and ALPN; DISABLE sends plaintext', () => {
  const { clusters } = world(`
trafficPolicy:
  tls: {mode: ISTIO_MUTUAL}
subsets:
- name: plain
  labels: {version: v1}
  trafficPolicy: {tls: {mode: DISABLE}}
`);
  const tls = tlsOf(get(clusters, 9080));
  assert.ok(tls);
  assert.equal(tls.sni, `outbound_.9080_._.${HOST}`);
  assert.deepEqual(tls.commonTlsContext.alpnProtocols, ['istio']);
  assert.equal(tls.commonTlsContext.tlsCertificateSdsSecretConfigs?.[0]?.name, 'default');
  assert.equal(tls.commonTlsContext.combinedValidationContext?.validationContextSdsSecretConfig.name, 'ROOTCA');
  assert.equal(tls.commonTlsContext.tlsParams?.tlsMinimumProtocolVersion, 'TLSv1_2');
  assert.equal(tlsOf(get(clusters, 9080, 'plain')), undefined);
});

test('TLS: SIMPLE and MUTUAL with files, credentialName only with a workloadSelector on sidecars', () => {
  const { clusters } = world(`
trafficPolicy:
  tls: {mode: SIMPLE, sni: api.example.com, subjectAltNames: [api.example.com]}
subsets:
- name: mutual
  labels: {version: v1}
  trafficPolicy:
    tls: {mode: MUTUAL, clientCertificate: /etc/certs/c.pem, privateKey: /etc/certs/k.pem, caCertificates: /etc/certs/ca.pem}
- name: cred
  labels: {version: v1}
  trafficPolicy:
    tls: {mode: SIMPLE, credentialName: api-secret}
`);
  const simple = tlsOf(get(clusters, 9080));
  assert.equal(simple?.sni, 'api.example.com');
  assert.deepEqual(simple?.commonTlsContext.combinedValidationContext?.defaultValidationContext,
    { matchSubjectAltNames: [{ exact: 'api.example.com' }] });
  assert.equal(simple?.commonTlsContext.combinedValidationContext?.validationContextSdsSecretConfig.name, 'file-root:system');
  assert.equal(get(clusters, 9080).typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY]?.upstreamHttpProtocolOptions, undefined);

  const mutual = tlsOf(get(clusters, 9080, 'mutual'));
  assert.equal(mutual?.sni, undefined);
  assert.equal(mutual?.commonTlsContext.tlsCertificateSdsSecretConfigs?.[0]?.name, 'file-cert:/etc/certs/c.pem~/etc/certs/k.pem');
  assert.equal(mutual?.commonTlsContext.combinedValidationContext?.validationContextSdsSecretConfig.name, 'file-root:/etc/certs/ca.pem');
  assert.deepEqual(
    get(clusters, 9080, 'mutual').typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY]?.upstreamHttpProtocolOptions,
    { autoSni: true, autoSanValidation: true },
  );
  // Istio does not hand credentialName secrets to sidecars from a rule without a workloadSelector.
  assert.equal(tlsOf(get(clusters, 9080, 'cred')), undefined);
});

test('TLS: credentialName on the egress gateway becomes SDS secrets over ADS', () => {
  const snap = snapshotFrom(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [ext.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  location: MESH_EXTERNAL
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: istio-system}
spec:
  host: ext.example.com
  trafficPolicy:
    tls: {mode: MUTUAL, credentialName: client-cred, sni: ext.example.com}
`);
  const clusters = compileClusters(snap, proxyFor(snap, 'istio-system/istio-egressgateway'));
  const c = clusters.find((x) => x.name === outboundCluster('ext.example.com', 443));
  assert.ok(c);
  const tls = tlsOf(c);
  assert.equal(tls?.commonTlsContext.tlsCertificateSdsSecretConfigs?.[0]?.name, 'kubernetes://client-cred');
  assert.deepEqual(tls?.commonTlsContext.tlsCertificateSdsSecretConfigs?.[0]?.sdsConfig, { ads: {}, resourceApiVersion: 'V3' });
  assert.equal(tls?.commonTlsContext.combinedValidationContext?.validationContextSdsSecretConfig.name, 'kubernetes://client-cred-cacert');
});
