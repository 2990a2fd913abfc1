/**
 * DESIGN.md §3: imports flow one way, down the layer list, and `proxy/` never imports the
 * control plane (nor the control plane `proxy/`). Checked on every import in src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './helpers/shared.js';

const LAYERS = ['common', 'api', 'config', 'registry', 'model', 'compile', 'xds', 'proxy', 'cli', 'run'];
const CONTROL_PLANE = new Set(['config', 'registry', 'model', 'compile', 'xds']);

function layerOf(file: string): string {
  return relative(join(REPO_ROOT, 'src'), file).split(/[\\/]/)[0]!;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

test('imports in src/ follow the layer order and keep proxy/ apart from the control plane', () => {
  const bad: string[] = [];
  for (const file of tsFiles(join(REPO_ROOT, 'src'))) {
    const from = layerOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      const target = resolve(dirname(file), m[1]!);
      const to = layerOf(target);
      if (to === from) continue;
      const fi = LAYERS.indexOf(from);
      const ti = LAYERS.indexOf(to);
      const where = `${relative(REPO_ROOT, file)} imports ${m[1]}`;
      if (fi < 0 || ti < 0) bad.push(`${where}: unknown layer (${from} → ${to})`);
      else if (ti > fi) bad.push(`${where}: ${from}/ may not import ${to}/ (imports flow down: ${LAYERS.join(' → ')})`);
      else if (from === 'proxy' && CONTROL_PLANE.has(to)) bad.push(`${where}: proxy/ may not import the control plane (${to}/)`);
    }
  }
  assert.deepEqual(bad, []);
});
