/**
 * Every object of Istio's sample configs (../shared/conformance/istio-samples) that validates
 * compiles to route configurations, for a sidecar in each namespace the file mentions and for
 * each gateway workload, without throwing; the Bookinfo networking samples also encode with the
 * Envoy protos. Go-template files are left to the conformance suite that renders them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadTexts } from '../../src/config/load.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import { proxyForWorkload, proxyFromNode } from '../../src/model/proxy.js';
import { compileRoutes } from '../../src/compile/routes/index.js';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { isGoTemplate } from '../helpers/go-template.js';
import { sharedPath } from '../helpers/shared.js';
import { assertEncodes } from '../helpers/xds.js';

const root = sharedPath('conformance', 'istio-samples');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(p);
  }
  return out;
}

test('istio-samples: valid objects compile to routes for sidecars and gateways', { skip: root.skip }, () => {
  let compiled = 0;
  const failures: string[] = [];
  for (const file of files(root.path)) {
    const text = readFileSync(file, 'utf8');
    if (isGoTemplate(text)) continue;
    const rel = relative(root.path, file);
    const loaded = loadTexts([{ file: rel, text }]);
    const raws = loaded.objects.filter((o) => o.valid).map((o) => o.raw);
    if (raws.length === 0) continue;
    try {
      const snap = buildSnapshot(raws);
      const namespaces = new Set(raws.map((r) => r.metadata.namespace || 'default'));
      const proxies = [...namespaces].map((ns) => proxyFromNode(`sidecar~10.250.0.1~probe.${ns}~${ns}.svc.cluster.local`, { NAMESPACE: ns }));
      for (const w of snap.registry.workloads) proxies.push(proxyForWorkload(w, snap));
      for (const p of proxies) {
        const rcs = compileRoutes(snap, p);
        compiled += rcs.length;
        if (rel.startsWith('samples-bookinfo-networking')) assertEncodes(rcs, TypeUrl.RouteConfiguration);
      }
    } catch (e) {
      failures.push(`${rel}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(compiled > 0);
});
