/**
 * Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), and the top inclusive
 * times of functions under src/, so one can see where a benchmark spends its time.
 * Usage: node --import tsx bench/lib/cpuprofile-top.ts FILE.cpuprofile [--top 25] [--filter src/compile]
 */
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.cpuprofile'));
if (!file) {
  console.error('usage: cpuprofile-top.ts FILE.cpuprofile [--top N] [--filter SUBSTRING]');
  process.exit(2);
}
const top = Number(args[args.indexOf('--top') + 1] ?? 0) || 25;
const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1]! : undefined;
const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function key(f: CallFrame): string {
  const where = f.url.replace(/^file:\/\//, '').replace(/^.*\/(src|test|bench|node_modules)\//, '$1/');
  return `${f.functionName || '(anonymous)'}  ${where}${where ? `:${f.lineNumber + 1}` : ''}`;
}

const self = new Map<string, number>();
const incl = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  self.set(key(n.callFrame), (self.get(key(n.callFrame)) ?? 0) + us);
  // inclusive: charge every distinct function on the stack once
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + us);
  }
}

function print(title: string, m: Map<string, number>, pred: (k: string) => boolean): void {
  console.log(`\n${title} (of ${(totalUs / 1000).toFixed(0)} ms sampled)`);
  const rows = [...m].filter(([k]) => pred(k)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, us] of rows) console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${k}`);
}

print('Top self time', self, (k) => !filter || k.includes(filter));
print('Top inclusive time, functions in src/', incl, (k) => k.includes(' src/') && (!filter || k.includes(filter)));
