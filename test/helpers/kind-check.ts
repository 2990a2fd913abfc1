/**
 * Helpers for per-kind validation tests: validate one inline YAML object through the real
 * loader, and assert on its errors and warnings by field path and message substring.
 */
import assert from 'node:assert/strict';
import { loadTexts } from '../../src/config/load.js';
import type { ValidatedObject } from '../../src/config/validate.js';

/** Validates a YAML text holding exactly one object. */
export function validateOne(yaml: string): ValidatedObject {
  const cfg = loadTexts([{ file: 'x.yaml', text: yaml }]);
  assert.equal(cfg.failures.length, 0, cfg.failures.map((f) => f.message).join('; '));
  assert.equal(cfg.objects.length, 1, 'expected exactly one object');
  return cfg.objects[0]!;
}

/** An object of `kind` with `body` (YAML text, indented as top-level fields) after the envelope. */
export function obj(apiVersion: string, kind: string, body: string, metadata = '  name: x\n  namespace: ns\n'): string {
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n${metadata}${body}`;
}

function describe(o: ValidatedObject): string {
  return [...o.errors.map((e) => `E ${e.field}: ${e.message}`), ...o.warnings.map((w) => `W ${w.field}: ${w.message}`)].join('\n') || '(none)';
}

export function assertValid(o: ValidatedObject): void {
  assert.ok(o.valid, `expected valid, got:\n${describe(o)}`);
}

export function assertClean(o: ValidatedObject): void {
  assert.ok(o.valid && o.warnings.length === 0, `expected no errors or warnings, got:\n${describe(o)}`);
}

export function assertError(o: ValidatedObject, field: string, text: string): void {
  assert.ok(!o.valid, `expected invalid (${field}: ${text}), got:\n${describe(o)}`);
  assert.ok(o.errors.some((e) => e.field === field && e.message.includes(text)), `expected error at ${field} containing ${JSON.stringify(text)}, got:\n${describe(o)}`);
}

export function assertWarning(o: ValidatedObject, field: string, text: string): void {
  assert.ok(o.warnings.some((w) => w.field === field && w.message.includes(text)), `expected warning at ${field} containing ${JSON.stringify(text)}, got:\n${describe(o)}`);
}

export function assertNoProblemAt(o: ValidatedObject, field: string): void {
  const all = [...o.errors, ...o.warnings].filter((p) => p.field === field);
  assert.equal(all.length, 0, `expected nothing at ${field}, got:\n${describe(o)}`);
}
