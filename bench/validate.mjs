#!/usr/bin/env node
// Benchmark: `trellis validate` over all of ../shared/conformance (about 1 MB of YAML) in one call,
// process start included (target: under 2 s). Side by side in the same run, so the ratios hold on
// a noisy shared machine: a bare `node` start, and a process that only reads and YAML-parses the
// same files (the floor for any validator written on the `yaml` package).
// Usage: node bench/validate.mjs [--runs N] [--dir PATH]
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 0) || 7;
const dir = args.includes('--dir') ? resolve(args[args.indexOf('--dir') + 1]) : resolve(root, '..', 'shared', 'conformance');

if (!existsSync(dir)) { console.error(`bench: ${dir} not found`); process.exit(2); }
if (!existsSync(join(root, 'dist', 'cli', 'entry.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const parseOnly = `
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { listFiles } from './dist/config/source.js';
let n = 0;
for (const f of listFiles([${JSON.stringify(dir)}], { recursive: true })) for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) { d.toJS(); n++; }
console.log(n);
`;

const cases = [
  ['node start (baseline)', ['-e', '0']],
  ['read + YAML parse only', ['--input-type=module', '-e', parseOnly]],
  ['trellis validate -R -o json', [join(root, 'bin', 'trellis.js'), 'validate', '-R', '-f', dir, '-o', 'json']],
];

function time(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const results = cases.map(([name]) => ({ name, ms: [] }));
for (let i = 0; i < runs; i++) {
  // Interleave the cases so that load on the machine hits them alike.
  cases.forEach(([, argv], j) => results[j].ms.push(time(argv)));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results[1].ms);
console.log(`input: ${dir}; ${runs} runs each, interleaved; median wall time, process start included`);
for (const r of results) {
  console.log(`${r.name.padEnd(28)} ${median(r.ms).toFixed(0).padStart(6)} ms   (x${(median(r.ms) / base).toFixed(2)} of parse-only; min ${Math.min(...r.ms).toFixed(0)} max ${Math.max(...r.ms).toFixed(0)})`);
}
const v = median(results[2].ms);
console.log(`target: validate under 2000 ms -> ${v < 2000 ? 'met' : 'NOT met'} (${v.toFixed(0)} ms)`);
