/**
 * The runnable examples under examples/: every folder (recursively, including each
 * `steps/NN-name/` variant and each `clusterN/` of a multi-cluster scenario) holds at least one
 * object, parses cleanly, and every object is valid. Also checks that each seed guide in
 * ../shared/seeds has its examples folder (that part skips where ../shared is absent; the
 * examples themselves live in the repo and need nothing from ../shared).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadPaths } from '../../src/config/load.js';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

const EXAMPLES = join(REPO_ROOT, 'examples');

/** Seed guide (file in ../shared/seeds) → the examples folder made from it. */
const SEED_FOLDERS: Record<string, string> = {
  '000_2b2d2c0fc63c3443.txt': '000-external-services',
  '001_2d4e5085d2bad4f7.txt': '001-sidecar-canary',
  '002_660cb12ccafed727.txt': '002-traffic-management',
  '003_5275b4cee188e1bb.txt': '003-ingress-uri-routing',
  '004_68559be6559f3dab.txt': '004-multicluster-gateways',
};

const CONFIG_FILE = /\.(ya?ml|json)$/i;

/** Every directory under `dir` (itself included) that directly holds config files. */
function configFolders(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && CONFIG_FILE.test(e.name))) out.push(dir);
  for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) out.push(...configFolders(join(dir, e.name)));
  return out;
}

/** Config files directly in `dir` (not in subfolders: a step is checked on its own). */
function filesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => CONFIG_FILE.test(f) && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

function problems(cfg: ReturnType<typeof loadPaths>): string {
  return [
    ...cfg.failures.map((f) => `${relative(REPO_ROOT, f.file)}:${f.line} ${f.object ?? ''} ${f.field}: ${f.message}`),
    ...cfg.objects.flatMap((o) => o.errors.map((e) =>
      `${relative(REPO_ROOT, o.raw.origin.file)}:${e.line ?? o.raw.origin.line} ${o.raw.kind} ${o.raw.metadata.namespace}/${o.raw.metadata.name}: ${e.field}: ${e.message}`)),
  ].join('\n');
}

test('examples/ exists and has one folder per seed guide plus quickstart', () => {
  assert.ok(existsSync(EXAMPLES), `${EXAMPLES} is missing`);
  for (const folder of [...Object.values(SEED_FOLDERS), 'quickstart']) {
    assert.ok(existsSync(join(EXAMPLES, folder)), `examples/${folder} is missing`);
    assert.ok(existsSync(join(EXAMPLES, folder, 'README.md')), `examples/${folder}/README.md is missing`);
  }
});

const folders = existsSync(EXAMPLES)
  ? readdirSync(EXAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => configFolders(join(EXAMPLES, e.name)))
  : [];

test('every example folder has config files', () => {
  assert.ok(folders.length >= 6, `expected at least 6 example folders with YAML, found ${folders.length}`);
  // A scenario folder with no YAML of its own must at least have YAML below it (e.g. cluster1/, cluster2/).
  for (const e of readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    assert.ok(folders.some((f) => f.startsWith(join(EXAMPLES, e.name))), `examples/${e.name} holds no YAML`);
  }
});

for (const dir of folders) {
  const name = relative(REPO_ROOT, dir);
  test(`${name}: parses, and every object is valid`, () => {
    const cfg = loadPaths(filesIn(dir));
    assert.ok(cfg.objects.length > 0, `${name}: no objects`);
    assert.equal(cfg.failures.length, 0, `${name}: parse failures:\n${problems(cfg)}`);
    const invalid = cfg.objects.filter((o) => !o.valid);
    assert.equal(invalid.length, 0, `${name}: invalid objects:\n${problems(cfg)}`);
  });
}

const seeds = sharedPath('seeds');

test('every seed guide has an examples folder', { skip: seeds.skip }, () => {
  const guides = readdirSync(seeds.path).filter((f) => f.endsWith('.txt')).sort();
  assert.ok(guides.length > 0, `no guides in ${seeds.path}`);
  const unmapped = guides.filter((g) => !(g in SEED_FOLDERS));
  assert.deepEqual(unmapped, [], `seed guides with no examples folder mapped in this test: ${unmapped.join(', ')}`);
  for (const g of guides) {
    const folder = join(EXAMPLES, SEED_FOLDERS[g]!);
    assert.ok(existsSync(folder), `${g}: examples/${SEED_FOLDERS[g]} is missing`);
    assert.ok(configFolders(folder).length > 0, `${g}: examples/${SEED_FOLDERS[g]} holds no YAML`);
  }
});
