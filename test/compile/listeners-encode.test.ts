/**
 * Compiled listeners encode with the real Envoy protos and decode back with no unknown or dropped
 * fields (the xDS codec's `checkRoundTrip`), for the seed scenarios and for every valid object of
 * Istio's sample configs (../shared/conformance/istio-samples; plain YAML files, templates left to
 * the conformance suite), compiled for each workload's sidecar (with and without protocol
 * sniffing) and for both gateways, without throwing, with unique listener names and filter chain matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { snapshotFrom } from '../helpers/snapshot.js';
import { sharedPath } from '../helpers/shared.js';
import { isGoTemplate } from '../helpers/go-template.js';
import { loadTexts } from '../../src/config/load.js';
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

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  }).sort();
}

test('istio samples: every valid object compiles to listeners that round-trip', { skip: samples.skip }, () => {
  const problems: string[] = [];
  let files = 0;
  for (const file of yamlFiles(samples.path)) {
    const text = readFileSync(file, 'utf8');
    if (isGoTemplate(text) || /-mesh-cfg\.yaml$/.test(file)) continue;
    const valid = loadTexts([{ file, text }]).objects.filter((o) => o.valid).map((o) => o.raw);
    if (valid.length === 0) continue;
    // A client workload in every namespace the file uses, so each namespace has a sidecar.
    const namespaces = [...new Set(valid.map((o) => o.metadata.namespace || 'default'))];
    const clients = loadTexts([{
      file: 'clients.yaml',
      text: namespaces.map((ns) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: trellis-listener-probe, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: trellis-listener-probe}}
  template:
    metadata: {labels: {app: trellis-listener-probe}}
    spec: {containers: [{name: c, image: c}]}
`).join('---\n'),
    }]).objects.map((o) => o.raw);
    const label = relative(samples.path, file);
    try {
      problems.push(...problemsOf(buildSnapshot([...valid, ...clients]), label));
    } catch (err) {
      problems.push(`${label}: threw ${(err as Error).stack}`);
    }
    files++;
  }
  assert.ok(files > 10, `only ${files} sample files compiled`);
  assert.deepEqual(problems.slice(0, 20), []);
});
