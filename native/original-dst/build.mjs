#!/usr/bin/env node
// Builds the original_dst addon (build/Release/original_dst.node) for `trellis proxy --outbound
// transparent`, offline: node-gyp (npm's own copy) against the headers of the Node that runs this
// script (--nodedir = the install prefix of process.execPath, which has include/node), or, when
// node-gyp cannot be found, the C compiler directly. Not run by `npm ci`: a machine without a
// compiler still installs and tests; the proxy then falls back to the conntrack table (root) or
// says how to build this. Usage: `npm run build:native` (or `node native/original-dst/build.mjs`).
// Exit status 0 when the addon is built (or already up to date), 1 with the reason otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build', 'Release', 'original_dst.node');
const source = join(here, 'original_dst.c');
const prefix = dirname(dirname(process.execPath));
const headers = join(prefix, 'include', 'node');

if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs && !process.argv.includes('--force')) {
  console.log(`original-dst: up to date (${out})`);
  process.exit(0);
}
if (!existsSync(join(headers, 'node_api.h'))) {
  console.error(`original-dst: Node's headers are not at ${headers} (node_api.h); install Node with its headers`);
  process.exit(1);
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c));
}

try {
  const gyp = nodeGyp();
  if (gyp) {
    execFileSync(process.execPath, [gyp, 'rebuild', `--nodedir=${prefix}`, '--loglevel=warn'], { cwd: here, stdio: 'inherit' });
  } else {
    mkdirSync(dirname(out), { recursive: true });
    const cc = process.env.CC ?? 'cc';
    execFileSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', `-I${headers}`, '-o', out, source], { stdio: 'inherit' });
  }
} catch (e) {
  console.error(`original-dst: build failed: ${e.message}\n  needs a C compiler, make and python3 (Debian: build-essential python3)`);
  process.exit(1);
}
console.log(`original-dst: built ${out}`);
