/**
 * Process plumbing for the proxy benchmark: start a server pinned to a core (`taskset -c N`),
 * wait for a line on its output or for its port to accept, sample its resident memory from
 * /proc/PID/status (VmRSS, VmHWM), and stop it (SIGTERM, then SIGKILL). Every process started
 * here is recorded so that `stopAll` can end them when the benchmark exits early.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far (last 64 kB). */
  output(): string;
  /** Resolves with the first match of `re` on stdout/stderr (rejects after `ms` or on exit). */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

const live = new Set<Proc>();

/** Spawns `cmd args` pinned to `core` (taskset), output captured. */
export function startPinned(name: string, core: number | undefined, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Proc {
  const argv = core === undefined ? [cmd, ...args] : ['taskset', '-c', String(core), cmd, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const watchers = new Set<() => void>();
  const onData = (b: Buffer) => {
    out = (out + b.toString()).slice(-65536);
    for (const w of watchers) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; live.delete(p); for (const w of watchers) w(); resolve(); }));
  const p: Proc = {
    name, child, pid: child.pid ?? -1,
    output: () => out,
    waitFor(re, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { watchers.delete(check); reject(new Error(`${name}: no ${re} within ${ms} ms; output:\n${out}`)); }, ms);
        const check = () => {
          const m = re.exec(out);
          if (m) { clearTimeout(timer); watchers.delete(check); resolve(m); return; }
          if (exited) { clearTimeout(timer); watchers.delete(check); reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}); output:\n${out}`)); }
        };
        watchers.add(check);
        check();
      });
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(t);
    },
  };
  live.add(p);
  return p;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** Waits until `host:port` accepts a connection. */
export async function waitPort(host: string, port: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${host}:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A free TCP port on `host` (bound and released). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** VmRSS, VmHWM and the resident set split into private (RssAnon) and file-backed pages (RssFile), bytes (undefined when it is gone). */
export function memoryOf(pid: number): { rss: number; hwm: number; anon: number; file: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `everyMs` until stopped; returns the peak seen (with its anon/file split) and the last VmHWM. */
export function sampleRss(pid: number, everyMs = 100): () => { peakRss: number; anon: number; file: number; hwm: number } {
  let peak = { rss: 0, anon: NaN, file: NaN };
  let hwm = 0;
  const tick = () => {
    const m = memoryOf(pid);
    if (m) { if (m.rss > peak.rss) peak = m; hwm = m.hwm; }
  };
  tick();
  const t = setInterval(tick, everyMs);
  return () => { clearInterval(t); tick(); return { peakRss: peak.rss, anon: peak.anon, file: peak.file, hwm }; };
}

/** Installs missing Debian tools through scripts/ensure-debian.sh (idempotent). */
export function ensureTools(repo: string, specs: string[]): void {
  const r = spawnSync('sh', [`${repo}/scripts/ensure-debian.sh`, ...specs], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`cannot install ${specs.join(' ')} (scripts/ensure-debian.sh exit ${r.status})`);
}

/** CPU time (user + system, seconds) a process has used so far, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return NaN;
  }
}
