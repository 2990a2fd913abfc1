#!/usr/bin/env node
/**
 * Compiler benchmark on Istio's own pilot benchmark configs (../shared/conformance/istio-samples/
 * pilot-benchmarks, Go templates rendered with Services = 100 / 1000 / 10000, Instances = 1000):
 * for the bench proxy (sidecar at 1.1.1.1, or router for the gateway cases) the time of the full
 * LDS+RDS+CDS+EDS compile and of each type alone (median and p90 over N runs after warm-up), the
 * size of each type as JSON and as encoded protobuf, the time to parse + validate and to build the
 * snapshot, and the heap they retain. Cases and sizes are interleaved run by run, so load on a
 * shared machine hits them alike. See bench/README.md.
 *
 * Usage: node --expose-gc --import tsx bench/compile.ts [--services 100,1000,10000] [--instances 1000]
 *          [--runs 10] [--warmup 2] [--budget 15] [--configs a,b] [--dir PATH]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from '../test/helpers/shared.js';
import { discoverCases, type BenchCase } from './lib/cases.js';
import { PARTS, TYPES, runOnce, setupCase, sinkValue, warmEncoder, type CaseRun } from './lib/measure.js';
import { fmtKb, fmtMb, fmtMs, fmtRatio, median, p90, table } from './lib/stats.js';

const gc = (globalThis as { gc?: (opts?: { type: 'minor' | 'major' }) => void }).gc;

// Without --expose-gc there are no heap figures: run again with it.
if (!gc && !process.env.TRELLIS_BENCH_NO_RESPAWN) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, TRELLIS_BENCH_NO_RESPAWN: '1' },
  });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
function opt(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}
const sizes = opt('services', '100,1000,10000').split(',').map(Number).filter((n) => n > 0);
const instances = Number(opt('instances', '1000'));
const maxRuns = Math.max(1, Number(opt('runs', '10')));
const warmup = Math.max(1, Number(opt('warmup', '2')));
const budgetMs = Number(opt('budget', '15')) * 1000;
const only = args.includes('--configs') ? new Set(opt('configs', '').split(',')) : undefined;
const dir = opt('dir', join(SHARED, 'conformance', 'istio-samples', 'pilot-benchmarks'));

if (!existsSync(dir)) {
  console.error(`bench: ${dir} not found (set TRELLIS_SHARED or pass --dir)`);
  process.exit(2);
}

const cases: BenchCase[] = discoverCases(dir).filter((c) => !only || only.has(c.name));
if (cases.length === 0) {
  console.error(`bench: no configs selected from ${dir}`);
  process.exit(2);
}

// Load the Envoy protos before the first heap reading, so that no case is charged for them.
warmEncoder();

// ---- set-up: every case at every size (a file without .Services is set up once).
const t0 = Date.now();
const runs: CaseRun[] = [];
for (const n of sizes) {
  for (const c of cases) {
    if (!c.scales && n !== sizes[0]) continue;
    const r = setupCase(c, n, instances);
    runs.push(r);
    process.stderr.write(`set up ${c.name} @${n}: ${r.objects} objects, load ${fmtMs(r.loadMs)} ms, snapshot ${fmtMs(r.snapshotMs)} ms, cold compile ${fmtMs(r.coldMs)} ms\n`);
  }
}

// ---- warm-up, then the measured runs, interleaved; slow cases get fewer runs (at least 3).
const perRun = new Map<CaseRun, number>();
for (let w = 0; w < warmup; w++) {
  for (const r of runs) {
    const before = Date.now();
    runOnce(r, false);
    perRun.set(r, Date.now() - before);
  }
}
const want = new Map(runs.map((r) => [r, Math.max(3, Math.min(maxRuns, Math.floor(budgetMs / Math.max(1, perRun.get(r)!))))]));
const passes = Math.max(...want.values());
for (let pass = 0; pass < passes; pass++) {
  // rotate the order each pass so that no case always follows the same neighbour
  for (let k = 0; k < runs.length; k++) {
    const r = runs[(k + pass) % runs.length]!;
    if (r.samples.full.length >= want.get(r)!) continue;
    gc?.({ type: 'minor' }); // empty the young generation, so no case pays for its predecessor's garbage
    runOnce(r, true);
  }
  process.stderr.write(`pass ${pass + 1}/${passes}\r`);
}
process.stderr.write(`\nbench: ${((Date.now() - t0) / 1000).toFixed(0)} s (sink ${sinkValue()})\n\n`);

// ---- report
const out: string[] = [];
const say = (s = ''): void => void out.push(s);
say(`Trellis compiler benchmark: Istio pilot benchmark configs from ${dir}`);
say(`Services = ${sizes.join(' / ')}, Instances = ${instances}; ${warmup} warm-up run(s), then up to ${maxRuns} measured runs per case (fewer for cases over the ${budgetMs / 1000} s budget, never under 3), cases interleaved.`);
say(`Node ${process.version}, ${process.platform}/${process.arch}; heap figures ${gc ? 'after forced GC' : 'unavailable (run with --expose-gc)'}.`);
say(`Times: median / p90 ms of each compiler alone; "full" is compileProxy (LDS+RDS+CDS+EDS). "cold" is the first compileProxy on a new snapshot (it fills the memoised sidecar scope).`);
say(`Sizes: sum over the type's resources of JSON.stringify, and of the encoded Envoy protobuf message (api/xds encodeResource).`);

for (const c of cases) {
  const mine = runs.filter((r) => r.bench === c);
  say();
  say(`== ${c.name} (${c.proxyType}${c.scales ? '' : ', no .Services in the template'})`);
  if (c.note) say(`   note: ${c.note}`);
  say(table(
    ['services', 'objects', 'invalid', 'skipped', 'render ms', 'parse+validate ms', 'snapshot ms', 'cold compile ms', 'heap config MB', 'heap snapshot MB', 'heap output MB'],
    mine.map((r) => [
      String(r.services), String(r.objects), String(r.invalid + r.failures),
      Object.entries(r.skipped).map(([k, v]) => `${v} ${k}`).join(', ') || '-',
      fmtMs(r.renderMs), fmtMs(r.loadMs), fmtMs(r.snapshotMs), fmtMs(r.coldMs),
      fmtMb(r.heap?.configBytes), fmtMb(r.heap?.snapshotBytes), fmtMb(r.heap?.outputBytes),
    ]),
  ));
  for (const r of mine) {
    if (r.invalid) say(`   @${r.services}: ${r.invalid} invalid objects dropped, e.g. ${r.invalidSample[0]}`);
    if (r.failures) say(`   @${r.services}: ${r.failures} documents failed to parse, e.g. ${r.failureSample.join(' | ')}`);
    if (r.error) say(`   @${r.services}: COMPILE FAILED: ${r.error.split('\n').slice(0, 3).join(' / ')}`);
  }
  const rows: string[][] = [];
  for (const r of mine) {
    if (r.error) continue;
    for (const part of PARTS) {
      const s = part === 'full' ? undefined : r.sizes[part];
      const all = TYPES.map((t) => r.sizes[t]);
      const count = s ? s.count : all.reduce((a, x) => a + x.count, 0);
      const json = s ? s.jsonBytes : all.reduce((a, x) => a + x.jsonBytes, 0);
      const proto = s ? s.protoBytes : all.reduce((a, x) => a + x.protoBytes, 0);
      const errs = s ? s.encodeErrors : all.reduce((a, x) => a + x.encodeErrors, 0);
      rows.push([
        part === 'full' ? String(r.services) : '', part, String(count),
        fmtMs(median(r.samples[part])), fmtMs(p90(r.samples[part])), String(r.samples[part].length),
        fmtKb(json), fmtKb(proto) + (errs ? ` (${errs} failed)` : ''),
      ]);
    }
  }
  if (rows.length) say(table(['services', 'type', 'resources', 'median ms', 'p90 ms', 'runs', 'JSON kB', 'proto kB'], rows));
  for (const r of mine) {
    for (const t of TYPES) if (r.sizes[t].firstError) say(`   @${r.services} ${t}: encode failed: ${r.sizes[t].firstError}`);
  }
}

// ---- summary: targets and growth
const find = (name: string, n: number): CaseRun | undefined => runs.find((r) => r.bench.name === name && r.services === n);
const full = (r: CaseRun | undefined): number => (r && !r.error ? median(r.samples.full) : NaN);
say();
say('== Targets (median of the full compile)');
const targets: [string, number, number][] = [
  ['serviceentry-workloadentry', 100, 20],
  ['gateways', 1000, 100],
  ['gateways-shared', 1000, 100],
];
for (const [name, n, limit] of targets) {
  const r = find(name, n);
  if (!r) {
    say(`   ${name} @${n} services: not run`);
    continue;
  }
  const m = full(r);
  say(`   ${name} @${n} services (Instances ${instances}): ${fmtMs(m)} ms (p90 ${fmtMs(p90(r.samples.full))}) vs target < ${limit} ms -> ${m < limit ? 'MET' : 'MISSED'}`);
}

const scaling = cases.filter((c) => c.scales);
if (sizes.length > 1 && scaling.length) {
  say();
  say(`== Growth with services (${sizes.join(' -> ')}): full compile median ms, and retained snapshot heap MB; "x" = ratio to the previous size`);
  const header = ['config'];
  for (let i = 0; i < sizes.length; i++) header.push(`${sizes[i]} ms`, ...(i ? ['ratio'] : []));
  for (let i = 0; i < sizes.length; i++) header.push(`${sizes[i]} MB`, ...(i ? ['ratio'] : []));
  const rows = scaling.map((c) => {
    const row = [c.name];
    sizes.forEach((n, i) => {
      row.push(fmtMs(full(find(c.name, n))));
      if (i) row.push(fmtRatio(full(find(c.name, n)), full(find(c.name, sizes[i - 1]!))));
    });
    sizes.forEach((n, i) => {
      const h = find(c.name, n)?.heap?.snapshotBytes;
      row.push(fmtMb(h));
      if (i) row.push(fmtRatio(h, find(c.name, sizes[i - 1]!)?.heap?.snapshotBytes));
    });
    return row;
  });
  say(table(header, rows));
  say(`   (a ratio near the size ratio, x${(sizes[1]! / sizes[0]!).toFixed(0)}, is linear growth)`);
}

console.log(out.join('\n'));
