/**
 * Garbage-collection figures of a Node process run with `--trace-gc-nvp`: V8 prints one line
 * per collection with `gc=s` (scavenge) or `gc=ms` (mark-sweep), `pause=` (ms the main thread
 * stopped), `allocated=` (bytes allocated since the previous collection) and `promoted=`. The
 * meter reads the process's output as it comes and keeps running totals, so the benchmark can
 * take the difference over its load window: bytes allocated per request, collections per second
 * and time paused — what sets a proxy's tail latency once it is past its CPU budget. Unlike
 * wall-clock figures these do not move with a noisy machine.
 */
import type { Readable } from 'node:stream';
import { appendFileSync } from 'node:fs';
function require_append(lines: string[]) { appendFileSync(process.env.GC_LOG!, lines.filter((l) => l.includes('gc=')).join('\n') + '\n'); }

export interface GcTotals {
  allocated: number;
  promoted: number;
  scavenges: number;
  fullGcs: number;
  pauseMs: number;
  /** The longest pause since the last `resetMax()`. */
  maxPauseMs: number;
}

export interface GcMeter {
  totals(): GcTotals;
  resetMax(): void;
}

function field(line: string, name: string): string | undefined {
  const at = line.indexOf(` ${name}=`);
  if (at < 0) return undefined;
  const from = at + name.length + 2;
  const end = line.indexOf(' ', from);
  return line.slice(from, end < 0 ? line.length : end);
}

export function meterGc(out: Readable): GcMeter {
  const t: GcTotals = { allocated: 0, promoted: 0, scavenges: 0, fullGcs: 0, pauseMs: 0, maxPauseMs: 0 };
  let partial = '';
  out.on('data', (b: Buffer) => {
    const lines = (partial + b.toString('latin1')).split('\n');
    partial = lines.pop() ?? '';
    if (process.env.GC_LOG) require_append(lines);
    for (const line of lines) {
      const kind = field(line, 'gc');
      if (kind === undefined) continue;
      const pause = Number(field(line, 'pause') ?? 0);
      t.allocated += Number(field(line, 'allocated') ?? 0);
      t.promoted += Number(field(line, 'promoted') ?? 0);
      if (kind === 's') t.scavenges++;
      else t.fullGcs++;
      t.pauseMs += pause;
      t.maxPauseMs = Math.max(t.maxPauseMs, pause);
    }
  });
  return { totals: () => ({ ...t }), resetMax: () => { t.maxPauseMs = 0; } };
}
