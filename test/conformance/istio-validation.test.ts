/**
 * Istio's own validation dataset (read from ../shared/conformance/istio-validation): what Istio
 * accepts we accept, what it rejects we reject.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTexts } from '../../src/config/load.js';
import { sharedPath } from '../helpers/shared.js';

const root = sharedPath('conformance', 'istio-validation');

function load(file: string, text = readFileSync(file, 'utf8')) {
  return loadTexts([{ file, text }]);
}

function describeProblems(cfg: ReturnType<typeof load>): string {
  return [
    ...cfg.failures.map((f) => `${f.file}:${f.line} ${f.message}`),
    ...cfg.objects.flatMap((o) => o.errors.map((e) => `${o.raw.origin.file}:${e.line} ${o.raw.kind} ${o.raw.metadata.name}: ${e.field}: ${e.message}`)),
  ].join('\n');
}

test('dataset/: every object is valid', { skip: root.skip }, () => {
  const dir = join(root.path, 'dataset');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 21);
  for (const f of files) {
    const cfg = load(join(dir, f));
    assert.ok(cfg.objects.length > 0, `${f}: no objects`);
    assert.equal(cfg.failures.length + cfg.objects.filter((o) => !o.valid).length, 0, describeProblems(cfg));
  }
});

test('dataset-2023-valid-invalid/: -valid files are valid, -invalid files are invalid', { skip: root.skip }, () => {
  const dir = join(root.path, 'dataset-2023-valid-invalid');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 29);
  for (const f of files) {
    const cfg = load(join(dir, f));
    assert.ok(cfg.objects.length > 0, `${f}: no objects`);
    if (f.endsWith('-invalid.yaml')) {
      for (const o of cfg.objects) assert.ok(!o.valid, `${f}: ${o.raw.kind} ${o.raw.metadata.name} should be invalid`);
    } else {
      assert.equal(cfg.objects.filter((o) => !o.valid).length, 0, `${f}:\n${describeProblems(cfg)}`);
    }
  }
});

test('crds/: every document of *-valid.yaml is valid, every document of *-invalid.yaml is invalid', { skip: root.skip }, () => {
  const dir = join(root.path, 'crds');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const wrong: string[] = [];
  for (const f of files) {
    // Strip the top-level `_err` key (the expected message) before validating.
    const text = readFileSync(join(dir, f), 'utf8').split('\n').map((l) => (l.startsWith('_err:') ? '' : l)).join('\n');
    const cfg = load(join(dir, f), text);
    assert.ok(cfg.objects.length > 0, `${f}: no objects`);
    assert.equal(cfg.failures.length, 0, describeProblems(cfg));
    const expectValid = f.endsWith('-valid.yaml');
    for (const o of cfg.objects) {
      if (o.valid !== expectValid) {
        wrong.push(`${f}:${o.raw.origin.line} ${o.raw.kind} ${o.raw.metadata.name} should be ${expectValid ? 'valid' : 'invalid'}` +
          (o.errors.length ? `: ${o.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}` : ''));
      }
    }
  }
  assert.deepEqual(wrong, []);
});
