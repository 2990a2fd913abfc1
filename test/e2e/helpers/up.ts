/**
 * End-to-end harness for `trellis up`: copies an example folder (its own files, not steps/)
 * to a temporary directory, runs the real `trellis up -f COPY` as a child process (through tsx,
 * as the developer CLI runs) with a temporary state directory and free control-plane ports,
 * waits until it prints that everything is ready, and runs other `trellis` commands against it
 * as child processes. `close()` stops it (SIGTERM, SIGKILL after a grace period), kills any
 * process the state file listed that is still alive, and removes the temporary directories; call
 * it from an `after` hook so it runs even when a test failed. Every mesh uses the same gateway
 * and pod addresses (the address plan), so one mesh runs at a time: `startUp` waits for a lock
 * (a directory in the system's temporary folder, taken over when its holder is gone) that
 * `close()` releases, in case the test runner runs files in parallel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshState } from '../../../src/cli/state-file.js';
import { REPO_ROOT } from '../../helpers/shared.js';

const ENTRY = join(REPO_ROOT, 'src', 'cli', 'entry.ts');

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `trellis ARGS…` as a child process (cwd: the repo), bounded in time. */
export function trellis(args: readonly string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}

export interface HttpReply {
  status: number;
  body: string;
  headers?: http.IncomingHttpHeaders;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** GET `url` (optionally with a Host header and other headers), bounded in time; status 0 when the request failed. */
export function get(url: string, host?: string, timeoutMs = 5000, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: timeoutMs, headers: host ? { ...headers, host } : headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
  });
}

/**
 * GET `url` as an app of the mesh sends it in explicit mode: to its sidecar's outbound port
 * (`HTTP_PROXY` = http://POD_IP:15001) in absolute form. What `trellis exec POD -- curl URL` does,
 * without starting a process per request. `ms` is how long the answer took.
 */
export function getVia(podIp: string, url: string, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<HttpReply & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ agent, host: podIp, port: 15001, path: url, timeout: timeoutMs, headers: { ...headers, host: new URL(url).host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, ms: Date.now() - started }));
      res.on('error', () => resolve({ status: 0, body, ms: Date.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message, ms: Date.now() - started }));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every PID a state lists (proxies and apps). */
export function pidsOf(state: MeshState): number[] {
  return state.workloads.flatMap((w) => [w.proxy?.pid, ...w.apps.map((a) => a.pid)]).filter((p): p is number => typeof p === 'number');
}

export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const LOCK = join(tmpdir(), 'trellis-up-e2e.lock');

/** Waits for the one-mesh-at-a-time lock; returns its release. */
async function lock(timeoutMs = 240_000): Promise<() => void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try { holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8')); } catch { /* being written */ }
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
    if (Date.now() > end) throw new Error(`another trellis up test holds ${LOCK} for too long`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class UpRun {
  readonly child: ChildProcess;
  out = '';
  err = '';
  exit: Promise<number | null>;
  private readonly seenPids = new Set<number>();

  constructor(readonly dir: string, readonly stateDir: string, private readonly tmp: string, args: readonly string[], private readonly unlock: () => void) {
    this.child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'up', '-f', dir, '--state-dir', stateDir,
      '--xds-address', '127.0.0.1:0', '--monitoring-address', '127.0.0.1:0', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => { this.out += c.toString(); });
    this.child.stderr!.on('data', (c: Buffer) => { this.err += c.toString(); });
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The state file as it is now (undefined while there is none); remembers every PID seen. */
  state(): MeshState | undefined {
    try {
      const s = JSON.parse(readFileSync(join(this.stateDir, 'state.json'), 'utf8')) as MeshState;
      for (const p of pidsOf(s)) this.seenPids.add(p);
      return s;
    } catch {
      return undefined;
    }
  }

  /** Resolves once `pattern` shows in stdout; rejects with the output when `up` exits first or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    let exited = false;
    void this.exit.then(() => { exited = true; });
    await until(`${pattern} in the output of trellis up`, () => {
      if (pattern.test(this.out)) return true;
      if (exited) throw new Error(`trellis up exited before printing ${pattern}:\n${this.out}\n${this.err}`);
      return false;
    }, timeoutMs, 50).catch((e: Error) => { throw new Error(`${e.message}\nstdout:\n${this.out}\nstderr:\n${this.err}`); });
  }

  /** `trellis ARGS… --state-dir STATE` against this mesh. */
  cli(args: readonly string[], timeoutMs?: number): Promise<CliRun> {
    const dash = args.indexOf('--');
    const withState = dash < 0 ? [...args, '--state-dir', this.stateDir] : [...args.slice(0, dash), '--state-dir', this.stateDir, ...args.slice(dash)];
    return trellis(withState, timeoutMs);
  }

  /**
   * Applies an example's step as its README says (`cp steps/NN-…/*.yaml .` while up runs): copies
   * each YAML file of `stepDir` over the file of the same name in the served directory, each
   * written aside and renamed into place, as an editor saves.
   */
  applyStep(stepDir: string): string[] {
    const names = readdirSync(stepDir).filter((f) => /\.(ya?ml|json)$/.test(f) && statSync(join(stepDir, f)).isFile());
    for (const f of names) {
      writeFileSync(join(this.dir, `.${f}.tmp`), readFileSync(join(stepDir, f)));
      renameSync(join(this.dir, `.${f}.tmp`), join(this.dir, f));
    }
    return names;
  }

  /** The pod IP of workload `name` (a pod name, or a Deployment's first replica) from the state file. */
  podIp(name: string): string {
    const w = this.state()?.workloads.find((x) => x.name === name || x.name === `${name}-0`);
    if (!w) throw new Error(`no workload ${name} in the state file`);
    return w.podIp;
  }

  /** What a process of the mesh printed so far (`STATE/logs/NS.POD.CONTAINER.log`; '' when none yet). */
  log(namespace: string, pod: string, container = 'istio-proxy'): string {
    try {
      return readFileSync(join(this.stateDir, 'logs', `${namespace}.${pod}.${container}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** All PIDs any state file listed so far. */
  get pids(): number[] {
    return [...this.seenPids];
  }

  /** Stops `up` (if still running), kills leftovers, removes the temporary directories. */
  async close(): Promise<void> {
    this.state();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exit;
      clearTimeout(t);
    }
    for (const pid of this.pids) {
      if (isAlive(pid)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    rmSync(this.tmp, { recursive: true, force: true });
    this.unlock();
  }
}

/**
 * Copies the files of `example` (its YAML and the programs its containers' commands run; not its
 * sub-folders) and starts `trellis up` on the copy.
 */
export async function startUp(example: string, args: readonly string[] = []): Promise<UpRun> {
  const unlock = await lock();
  const tmp = mkdtempSync(join(tmpdir(), 'trellis-up-'));
  const dir = join(tmp, 'config');
  const stateDir = join(tmp, 'state');
  mkdirSync(dir);
  for (const f of readdirSync(example)) {
    const p = join(example, f);
    if (statSync(p).isFile() && f !== 'README.md') copyFileSync(p, join(dir, f));
  }
  return new UpRun(dir, stateDir, tmp, args, unlock);
}

/**
 * For a test file about one example: `before` starts `trellis up` on a copy of it and waits until
 * it is ready, `after` stops it. Returns the running mesh (call it inside tests).
 */
export function meshForFile(example: string): () => UpRun {
  let up: UpRun | undefined;
  before(async () => {
    up = await startUp(example);
    await up.waitFor(/ready in [\d.]+ s/, 90_000);
  }, { timeout: 330_000 });
  after(async () => {
    await up?.close();
  }, { timeout: 30_000 });
  return () => up!;
}
