/**
 * Compiled clusters and load assignments encode with the real Envoy protos and decode back with
 * no unknown or dropped fields (`assertEncodes`), for the seed scenarios and for
 * every valid object of Istio's sample configs (../shared/conformance/istio-samples; plain YAML
 * files, templates are left to the conformance suite), compiled for each workload's sidecar and
 * for both gateways, without throwing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotFrom } from '../helpers/snapshot.js';
import { sharedPath } from '../helpers/shared.js';
import { sampleInputs } from '../helpers/samples.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import { proxyForWorkload } from '../../src/model/proxy.js';
import type { Snapshot } from '../../src/model/types.js';
import { compileClusters } from '../../src/compile/clusters/index.js';
import { compileEndpoints } from '../../src/compile/endpoints/index.js';
import { assertEncodes } from '../helpers/xds.js';
import { TypeUrl } from '../../src/api/envoy/common.js';

/** Asserts everything compiled for every workload of a snapshot (one replica per Deployment, gateways included) encodes faithfully. */
function assertAllEncode(snap: Snapshot): void {
  const seen = new Set<string>();
  for (const w of snap.registry.workloads) {
    if (seen.has(`${w.namespace}/${w.name}`)) continue;
    seen.add(`${w.namespace}/${w.name}`);
    const proxy = proxyForWorkload(w, snap);
    assertEncodes(compileClusters(snap, proxy), TypeUrl.Cluster);
    assertEncodes(compileEndpoints(snap, proxy), TypeUrl.ClusterLoadAssignment);
  }
}

test('seed scenarios: clusters and endpoints round-trip through the Envoy protos', () => {
  const inputs: string[][] = [
    ['examples/000-external-services/serviceentry-ngx.yaml', 'examples/000-external-services/traffic-ngx.yaml'],
    ['examples/000-external-services'],
    ['examples/001-sidecar-canary'],
    ['examples/002-traffic-management'],
    ['examples/003-ingress-uri-routing'],
    ['examples/004-multicluster-gateways'],
  ];
  for (const paths of inputs) assertAllEncode(snapshotFrom(paths));
});

test('policy-heavy DestinationRule: every cluster field Trellis writes round-trips', () => {
  const snap = snapshotFrom(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [ext.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}, {number: 80, name: g, protocol: GRPC}, {number: 81, name: x}]
  location: MESH_EXTERNAL
  resolution: DNS
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: sniffed, port: 90}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: default}
spec:
  host: ext.example.com
  workloadSelector: {matchLabels: {app: web}}
  trafficPolicy:
    loadBalancer:
      consistentHash: {maglev: {tableSize: 65537}, useSourceIp: true}
      localityLbSetting: {distribute: [{from: "*", to: {"*": 100}}]}
    connectionPool:
      tcp: {maxConnectionDuration: 1h, idleTimeout: 0s, tcpKeepalive: {probes: 3, time: 10s, interval: 5s}}
      http: {idleTimeout: 3s, maxConcurrentStreams: 10, maxRequestsPerConnection: 4, maxRetries: 1}
    outlierDetection: {consecutiveGatewayErrors: 3, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 2}
    tls: {mode: MUTUAL, credentialName: client-cred, subjectAltNames: [ext.example.com]}
  subsets:
  - name: rr
    trafficPolicy:
      tls: {mode: ISTIO_MUTUAL}
      loadBalancer: {simple: ROUND_ROBIN, warmupDurationSecs: 10s}
  - name: files
    trafficPolicy:
      tls: {mode: MUTUAL, clientCertificate: /c, privateKey: /k, caCrl: /crl}
      connectionPool: {http: {useClientProtocol: true}}
  - name: insecure
    trafficPolicy:
      tls: {mode: SIMPLE, insecureSkipVerify: true}
      connectionPool: {http: {h2UpgradePolicy: UPGRADE}}
      loadBalancer: {consistentHash: {httpCookie: {name: c, ttl: 10s, path: /p}, ringHash: {minimumRingSize: 4096}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: default}
spec:
  host: web
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 0, minHealthPercent: 20}
    loadBalancer: {localityLbSetting: {failover: [{from: a, to: b}]}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: web, namespace: default}
spec:
  workloadSelector: {labels: {app: web}}
  inboundConnectionPool: {http: {http1MaxPendingRequests: 9}}
  ingress:
  - port: {number: 8080, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
  - port: {number: 9999, protocol: TCP, name: tcp}
  - port: {number: 7070, protocol: GRPC, name: uds}
    defaultEndpoint: unix:///var/run/app.sock
`);
  assertAllEncode(snap);
});

const samples = sharedPath('conformance', 'istio-samples');


test('istio samples: every valid object compiles for sidecars and gateways and round-trips', { skip: samples.skip }, () => {
  const problems: string[] = [];
  let files = 0;
  for (const { label, objects } of sampleInputs(samples.path, 'trellis-probe-client')) {
    try {
      assertAllEncode(buildSnapshot(objects));
    } catch (err) {
      problems.push(`${label}: ${(err as Error).message}`);
    }
    files++;
  }
  assert.ok(files > 10, `only ${files} sample files compiled`);
  assert.deepEqual(problems.slice(0, 20), []);
});
