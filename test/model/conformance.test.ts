/**
 * Robustness: every valid object of Istio's sample configs (../shared/conformance/istio-samples)
 * builds into a snapshot, and every query answers without throwing for a sidecar in each
 * namespace and for both gateways. Skips, saying so, where the folder is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPaths } from '../../src/config/load.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import { proxyForWorkload } from '../../src/model/proxy.js';
import type { Proxy } from '../../src/model/types.js';
import { sharedPath } from '../helpers/shared.js';

const { path: dir, skip } = sharedPath('conformance', 'istio-samples');

test('istio-samples: snapshot and queries never throw', { skip }, () => {
  const objects = loadPaths([dir], { recursive: true }).objects.filter((o) => o.valid).map((o) => o.raw);
  assert.ok(objects.length > 0);
  const s = buildSnapshot(objects);
  const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
  const proxies: Proxy[] = [...namespaces].map((ns) => ({
    id: `sidecar~127.9.9.9~probe.${ns}~${ns}.svc.cluster.local`, type: 'sidecar', ip: '127.9.9.9', podName: 'probe',
    namespace: ns, labels: { app: 'probe' }, workloadName: 'probe', serviceAccount: 'default', clusterId: 'Kubernetes',
    network: '', interceptionMode: 'REDIRECT',
  }));
  for (const w of s.registry.workloads) proxies.push(proxyForWorkload(w, s));
  let queries = 0;
  for (const p of proxies) {
    s.sidecarScope(p);
    for (const svc of s.visibleServices(p)) {
      s.destinationRule(svc.hostname, p);
      for (const port of svc.ports) s.endpoints(svc.hostname, svc.namespace, port.port);
      queries++;
    }
    s.gatewayServers(p);
    s.virtualServicesFor('mesh', p.namespace);
  }
  for (const g of s.gateways) s.virtualServicesFor(`${g.namespace}/${g.name}`, 'istio-system');
  assert.ok(queries > 0);
});
