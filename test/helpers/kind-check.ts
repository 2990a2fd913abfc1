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

/** Indents every non-empty line of `s` by `n` spaces (to nest YAML snippets). */
export const indent = (s: string, n: number): string => s.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');

/** Validates `yaml` (one object) and asserts it is valid. */
export function ok(yaml: string): ValidatedObject {
  const o = validateOne(yaml);
  assertValid(o);
  return o;
}

/** Validates `yaml` and asserts an error at `field` whose message contains `text`. */
export function bad(yaml: string, field: string, text: string): ValidatedObject {
  const o = validateOne(yaml);
  assertError(o, field, text);
  return o;
}

/** Validates `yaml` and asserts it is valid with a warning at `field` containing `text`. */
export function warns(yaml: string, field: string, text: string): ValidatedObject {
  const o = ok(yaml);
  assertWarning(o, field, text);
  return o;
}
