/**
 * Helpers for the analysis tests: load text, keep the valid objects, analyze; and small
 * generators for the Kubernetes objects inline tests need.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadTexts } from '../../src/config/load.js';
import { analyze } from '../../src/config/analyze/index.js';
import type { AnalysisMessage } from '../../src/config/analyze/message.js';
import { sharedPath } from './shared.js';

export const fixture = (name: string) => sharedPath('conformance', 'istio-samples', 'config-analysis-analyzers-testdata', name);

export function run(file: string, text: string, opts: { allValid?: boolean } = {}): AnalysisMessage[] {
  const cfg = loadTexts([{ file, text }]);
  if (opts.allValid) {
    const bad = cfg.objects.filter((o) => !o.valid).map((o) => `${o.raw.kind} ${o.raw.metadata.name}: ${o.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    assert.deepEqual([...bad, ...cfg.failures.map((f) => f.message)], [], 'inline test input must be valid');
  }
  return analyze(cfg.objects.filter((o) => o.valid).map((o) => o.raw));
}
export const runFixture = (path: string) => run(path, readFileSync(path, 'utf8'));
export const runYaml = (text: string) => run('inline.yaml', text, { allValid: true });

/** Sorted, de-duplicated origins of the messages with `code` (and text matching `re`). */
export function origins(msgs: AnalysisMessage[], code: string, re?: RegExp): string[] {
  return [...new Set(msgs.filter((m) => m.code === code && (!re || re.test(m.message))).map((m) => m.origin))].sort();
}

export const deployment = (name: string, ns: string, labels: Record<string, string>) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: ${JSON.stringify(labels)}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      containers: [{name: app, image: "docker.io/example/${name}:1"}]
---`;
export const service = (name: string, ns: string, selector: Record<string, string>, ports: number[]) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: ${JSON.stringify(selector)}
  ports: [${ports.map((p) => `{name: http-${p}, port: ${p}}`).join(', ')}]
---`;
