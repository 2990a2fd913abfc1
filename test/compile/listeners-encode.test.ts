/**
 * Compiled listeners encode with the real Envoy protos and decode back with no unknown or dropped
 * fields (the xDS codec's `checkRoundTrip`), for the seed scenarios and for every valid object of
 * Istio's sample configs (../shared/conformance/istio-samples; plain YAML files, templates left to
 * the conformance suite), compiled for each workload's sidecar (with and without protocol
 * sniffing) and for both gateways, without throwing, with unique listener names and filter chain matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotFrom } from '../helpers/snapshot.js';
import { sharedPath } from '../helpers/shared.js';
import { sampleInputs } from '../helpers/samples.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import { proxyForWorkload } from '../../src/model/proxy.js';
import type { Snapshot } from '../../src/model/types.js';
import { compileListeners } from '../../src/compile/listeners/index.js';
import { checkRoundTrip } from '../../src/api/xds/codec.js';
import { TypeUrl } from '../../src/api/envoy/common.js';

function problemsOf(snap: Snapshot, label: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const w of snap.registry.workloads) {
    if (seen.has(`${w.namespace}/${w.name}`)) continue; // one replica per Deployment
    seen.add(`${w.namespace}/${w.name}`);
    const proxy = proxyForWorkload(w, snap);
    for (const protocolSniffing of [false, true]) {
      const listeners = compileListeners(snap, proxy, { protocolSniffing });
      const names = new Set<string>();
      for (const l of listeners) {
        if (names.has(l.name)) out.push(`${label} ${proxy.id}: duplicate listener ${l.name}`);
        names.add(l.name);
        for (const p of checkRoundTrip(TypeUrl.Listener, l)) out.push(`${label} ${proxy.id} ${l.name}: ${p}`);
        // Envoy rejects a listener whose filter chains share a match.
        const matches = (l.filterChains ?? []).map((c) => JSON.stringify(c.filterChainMatch ?? {}));
        if (new Set(matches).size !== matches.length) out.push(`${label} ${proxy.id} ${l.name}: duplicate filter chain match`);
      }
    }
  }
  return out;
}

test('seed scenarios: listeners round-trip through the Envoy protos', () => {
  const inputs: string[][] = [
    ['examples/000-external-services'],
    ['examples/000-external-services', 'examples/000-external-services/steps/01-workload-entry', 'examples/000-external-services/steps/02-egress-gateway'],
    ['examples/001-sidecar-canary'],
    ['examples/001-sidecar-canary', 'examples/001-sidecar-canary/steps/02-sidecar-registry-only'],
    ['examples/002-traffic-management'],
    ['examples/003-ingress-uri-routing'],
    ['examples/004-multicluster-gateways'],
  ];
  const problems = inputs.flatMap((paths) => problemsOf(snapshotFrom(paths), paths.join('+')));
  assert.deepEqual(problems, []);
});

const samples = sharedPath('conformance', 'istio-samples');


test('istio samples: every valid object compiles to listeners that round-trip', { skip: samples.skip }, () => {
  const problems: string[] = [];
  let files = 0;
  for (const { label, objects } of sampleInputs(samples.path, 'trellis-listener-probe')) {
    try {
      problems.push(...problemsOf(buildSnapshot(objects), label));
    } catch (err) {
      problems.push(`${label}: threw ${(err as Error).stack}`);
    }
    files++;
  }
  assert.ok(files > 10, `only ${files} sample files compiled`);
  assert.deepEqual(problems.slice(0, 20), []);
});
