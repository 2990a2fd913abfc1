/**
 * `trellis validate`: exit statuses, text and JSON output, stdin, -n, directories.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const VALID = `apiVersion: v1
kind: Namespace
metadata:
  name: prod
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
`;

const INVALID = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
      weight: -15
---
apiVersion: networking.istio.io/v9
kind: DestinationRule
metadata:
  name: wrongversion
spec:
  host: reviews
`;

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-validate-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('exit 0 and a summary line when every object is valid', async () => {
  const dir = tempDir({ 'ok.yaml': VALID });
  try {
    const r = await runCli(['validate', '-f', dir]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /2 object\(s\): 2 valid, 0 invalid/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('exit 1 with file:line, object, field and a hint of what is valid', async () => {
  const dir = tempDir({ 'sub/bad.yml': INVALID });
  try {
    const flat = await runCli(['validate', '-f', dir]);
    assert.match(flat.out, /0 object\(s\)/, 'without -R a directory\'s sub-directories are not read, as kubectl apply -f DIR');
    const r = await runCli(['validate', '-R', '-f', dir]);
    assert.equal(r.code, 1);
    const file = join(dir, 'sub/bad.yml');
    assert.match(r.out, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12: error: VirtualService shop/bad: spec\\.http\\[0\\]\\.route\\[0\\]\\.weight: .*0`));
    assert.match(r.out, /:14: error: DestinationRule default\/wrongversion: apiVersion: .*networking\.istio\.io\/v1/);
    assert.match(r.out, /0 valid, 2 invalid/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('-o json has the documented shape', async () => {
  const r = await runCli(['validate', '-f', '-', '-o', 'json', '-n', 'team'], INVALID + '---\n' + VALID);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as { objects: Array<Record<string, unknown>> };
  assert.equal(j.objects.length, 4);
  const bad = j.objects[0]!;
  assert.deepEqual(Object.keys(bad).slice(0, 9), ['apiVersion', 'kind', 'namespace', 'name', 'file', 'line', 'valid', 'errors', 'warnings']);
  assert.equal(bad.file, '<stdin>');
  assert.equal(bad.valid, false);
  assert.equal((bad.errors as Array<{ field: string }>)[0]!.field, 'spec.http[0].route[0].weight');
  assert.equal(j.objects[1]!.namespace, 'team', '-n applies to objects without a namespace');
  assert.equal(j.objects[2]!.namespace, '', 'Namespace is cluster-scoped');
  assert.equal(j.objects[3]!.valid, true);
});

test('exit 2 on unreadable input and on usage errors', async () => {
  const missing = await runCli(['validate', '-f', '/nonexistent/trellis.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no such file/);
  assert.equal((await runCli(['validate'])).code, 2);
  assert.equal((await runCli(['validate', '-f', '-', '-o', 'xml'], VALID)).code, 2);
  assert.equal((await runCli(['validate', '--bogus'])).code, 2);
});

test('a YAML syntax error is reported with its line and makes the run fail', async () => {
  const r = await runCli(['validate', '-f', '-'], 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n');
  assert.equal(r.code, 1);
  assert.match(r.out, /<stdin>:\d+: error: .*YAML syntax error/);
});

test('kinds Trellis does not handle are listed as skipped, not errors', async () => {
  const r = await runCli(['validate', '-f', '-'], 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default}\nspec: {}\n');
  assert.equal(r.code, 0);
  assert.match(r.out, /skipped: PeerAuthentication default\/default/);
});
