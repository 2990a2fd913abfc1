/**
 * Test helper: Istio's sample configs (../shared/conformance/istio-samples) as compilable inputs.
 * Each plain YAML file (Go templates and MeshConfig fragments left to the conformance suite)
 * with at least one valid object, plus a client Deployment named `probe` in every namespace the
 * file uses, so that each namespace has a sidecar to compile for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RawObject } from '../../src/api/resource.js';
import { loadTexts } from '../../src/config/load.js';
import { isGoTemplate } from './go-template.js';

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  }).sort();
}

/** The valid objects of each sample file under `root` with their probe clients, labelled by path. */
export function* sampleInputs(root: string, probe: string): Generator<{ label: string; objects: RawObject[] }> {
  for (const file of yamlFiles(root)) {
    const text = readFileSync(file, 'utf8');
    if (isGoTemplate(text) || /-mesh-cfg\.yaml$/.test(file)) continue;
    const valid = loadTexts([{ file, text }]).objects.filter((o) => o.valid).map((o) => o.raw);
    if (valid.length === 0) continue;
    const namespaces = [...new Set(valid.map((o) => o.metadata.namespace || 'default'))];
    const clients = loadTexts([{
      file: 'clients.yaml',
      text: namespaces.map((ns) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${probe}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${probe}}}
  template:
    metadata: {labels: {app: ${probe}}}
    spec: {containers: [{name: c, image: c}]}
`).join('---\n'),
    }]).objects.map((o) => o.raw);
    yield { label: relative(root, file), objects: [...valid, ...clients] };
  }
}
