/**
 * The proxy process stays lean (issue 5: ≤ 60 MB RSS): nothing `trellis proxy` loads statically
 * — src/cli/{entry,main,proxy}.ts and every module under src/proxy/ — may reach protobufjs,
 * @grpc/grpc-js or @grpc/proto-loader through its import graph. Type-only imports (erased by
 * tsc) and dynamic `import()` (the wire schema loader's dev fallback, main.ts's lazy commands)
 * are not edges. A failure prints the chain of imports that leads to the package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';

const FORBIDDEN = ['protobufjs', '@grpc/grpc-js', '@grpc/proto-loader'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Whether an import/export clause binds only types (`type X`, `{ type A, type B }`). */
function typeOnly(clause: string): boolean {
  const c = clause.trim();
  if (/^type\s/.test(c)) return true;
  const braces = /^\{([\s\S]*)\}$/.exec(c);
  if (!braces) return false;
  const names = braces[1]!.split(',').map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

/** The value imports of a source file: relative ones resolved to files, bare ones as package names. */
export function staticImports(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const files: string[] = [];
  const packages: string[] = [];
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+([^'";]*?)\s+from\s+['"]([^'"]+)['"]/gm)) {
    if (!typeOnly(m[1]!)) specs.push(m[2]!);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  for (const spec of specs) {
    if (spec.startsWith('node:')) continue;
    if (spec.startsWith('.')) {
      const base = resolve(dirname(file), spec).replace(/\.js$/, '');
      const candidates = [`${base}.ts`, join(base, 'index.ts')];
      const hit = candidates.find((c) => existsSync(c));
      if (hit) files.push(hit);
      continue;
    }
    const parts = spec.split('/');
    packages.push(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return { files, packages };
}

test('the proxy process does not load protobufjs or grpc-js (static import graph)', { timeout: 30_000 }, () => {
  const src = join(REPO_ROOT, 'src');
  const roots = [join(src, 'cli/entry.ts'), join(src, 'cli/main.ts'), join(src, 'cli/proxy.ts'), ...tsFiles(join(src, 'proxy'))];
  const parent = new Map<string, string | undefined>(roots.map((r) => [r, undefined]));
  const queue = [...roots];
  const bad: string[] = [];
  const packages = new Set<string>();
  while (queue.length) {
    const file = queue.shift()!;
    const { files, packages: pkgs } = staticImports(file);
    for (const p of pkgs) {
      packages.add(p);
      if (!FORBIDDEN.includes(p)) continue;
      const chain: string[] = [p];
      for (let f: string | undefined = file; f; f = parent.get(f)) chain.unshift(relative(REPO_ROOT, f));
      bad.push(chain.join(' → '));
    }
    for (const f of files) {
      if (parent.has(f)) continue;
      parent.set(f, file);
      queue.push(f);
    }
  }
  assert.deepEqual(bad, [], `the proxy reaches a heavy package:\n  ${bad.join('\n  ')}`);
  assert.ok(parent.size > 50, `walked ${parent.size} modules`);
  assert.ok(packages.has('commander'), 'the walker sees packages');
});

test('the import walker itself: type-only imports are not edges, value imports are', { timeout: 10_000 }, () => {
  assert.equal(typeOnly('type { A }'), true);
  assert.equal(typeOnly('{ type A, type B }'), true);
  assert.equal(typeOnly('{ type A, b }'), false);
  assert.equal(typeOnly('protobuf'), false);
  // The modules that hold protobufjs are found when walked from themselves.
  assert.ok(staticImports(join(REPO_ROOT, 'src/api/xds/protos.ts')).packages.includes('protobufjs'));
  assert.ok(staticImports(join(REPO_ROOT, 'src/api/xds/wire-schema-build.ts')).files.some((f) => f.endsWith('protos.ts')));
});
