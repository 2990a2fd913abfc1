/**
 * Starting the processes of a local mesh for real. Trellis's own processes (proxies, built-in
 * apps) run with the same entry as this process: `node [execArgv] src/cli/entry.ts …` under tsx
 * (tests, development) or `node dist/cli/entry.js …` from the build, whichever this file was
 * loaded as. Every child gets a process group of its own (so a terminal's Ctrl-C reaches `up`
 * alone, which then stops each child and everything that child started) and must not outlive
 * `up`, even when `up` is killed: on Linux it is started through `setpriv --pdeathsig TERM`
 * (the kernel signals it when its parent dies); Trellis's own processes also watch their parent
 * (cli/parent-watch.ts, `TRELLIS_PARENT_PID`) where setpriv is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARENT_PID_ENV } from '../cli/parent-watch.js';
import type { ProcessPlan, TrellisLauncher } from './plan.js';
import type { ChildLike, Spawner } from './supervisor.js';

export { PARENT_PID_ENV };

/** The file this process's `trellis` command runs from (entry.ts under tsx, entry.js built). */
export function entryFile(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`../cli/entry${ext}`, import.meta.url));
}

/**
 * A loader flag's module as an absolute URL (`--import tsx` resolves against the working
 * directory, and children may run elsewhere); as given when it cannot be resolved from here.
 */
function absoluteModule(spec: string): string {
  if (/^(file|data|node):/.test(spec) || spec.startsWith('/')) return spec;
  try {
    return import.meta.resolve(spec);
  } catch {
    return spec;
  }
}

/** How to run `trellis` as this process runs: node, its loader flags (tsx), the entry file. */
export function trellisLauncher(): TrellisLauncher {
  const out: string[] = [];
  const argv = process.execArgv.filter((a) => !/^--(test|inspect|watch)/.test(a));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(import|loader|experimental-loader)=(.*)$/.exec(a);
    if (m) out.push(`--${m[1]}=${absoluteModule(m[2]!)}`);
    else if (/^--(import|loader|experimental-loader)$/.test(a) && i + 1 < argv.length) out.push(a, absoluteModule(argv[++i]!));
    else out.push(a);
  }
  return { command: process.execPath, args: [...out, entryFile()] };
}

/** The path of an executable found on PATH, if any. */
export function which(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface SpawnerOptions {
  /** Wrap children in `setpriv --pdeathsig TERM` (default: when setpriv is on PATH, on Linux). */
  pdeathsig?: boolean;
  /** Whether a plan runs Trellis itself (gets TRELLIS_PARENT_PID); default: same command as `launcher`. */
  launcher?: TrellisLauncher;
}

export function realSpawner(o: SpawnerOptions = {}): Spawner {
  const setpriv = (o.pdeathsig ?? process.platform === 'linux') ? which('setpriv') : undefined;
  const isTrellis = (p: ProcessPlan) => !!o.launcher && p.command === o.launcher.command && o.launcher.args.every((a, i) => p.args[i] === a);
  return {
    spawn(p: ProcessPlan): ChildLike {
      const env = { ...p.env, ...(isTrellis(p) ? { [PARENT_PID_ENV]: String(process.pid) } : {}) };
      const [command, args] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', p.command, ...p.args]] : [p.command, p.args];
      const child: ChildProcess = spawn(command, args, {
        cwd: p.cwd, env, detached: true, stdio: [p.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      // With setpriv, a missing program is setpriv's exit 127 and its message on stderr.
      return child;
    },
    signal(child: ChildLike, sig: NodeJS.Signals): void {
      const pid = child.pid;
      if (!pid) return;
      try {
        process.kill(-pid, sig);
      } catch {
        try {
          process.kill(pid, sig);
        } catch {
          // already gone
        }
      }
    },
  };
}
