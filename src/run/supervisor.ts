/**
 * One supervised process of a local mesh (a sidecar, a gateway or a container's app): starts it
 * through an injected spawner, splits its output into lines, and when it exits, reports the exit
 * (code or signal, the last line it wrote on stderr, how long it ran) and restarts it after the
 * backoff (backoff.ts) as its restart policy says (`always`: Deployments; `on-failure` and
 * `never`: Pods). `stop()` sends SIGTERM (the spawner signals the whole process group) and
 * SIGKILL after a grace period, and resolves once the process is gone; a stopped process is
 * never restarted. Clock and spawner are injected so the backoff is tested exactly.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { ProcessPlan } from './plan.js';

/** What the supervisor needs of a child process (node's ChildProcess, or a fake). */
export interface ChildLike {
  readonly pid?: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  on(event: 'exit', fn: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
  on(event: 'error', fn: (e: Error) => void): unknown;
}

export interface Spawner {
  spawn(plan: ProcessPlan): ChildLike;
  /** Signals the child (its process group where possible); never throws. */
  signal(child: ChildLike, sig: NodeJS.Signals): void;
}

export type SupervisorEvent =
  | { type: 'started'; pid: number | undefined; restarts: number }
  | {
      type: 'exited'; code: number | null; signal: NodeJS.Signals | null;
      /** Could not be started at all (command not found…). */
      error?: string;
      lastStderr?: string; uptimeMs: number;
      /** When it will be started again; absent: it stays down (stopped, or its policy says so). */
      restartInMs?: number;
    }
  | { type: 'line'; stream: 'stdout' | 'stderr'; line: string };

export type SupervisedState = 'starting' | 'running' | 'backoff' | 'exited' | 'failed' | 'stopped';

export interface SupervisorDeps {
  spawner: Spawner;
  clock: Clock;
  onEvent: (e: SupervisorEvent) => void;
  backoff?: BackoffPolicy;
  /** SIGTERM → SIGKILL grace period on stop (ms). Default 3000. */
  graceMs?: number;
}

/** Waits this long after `exit` for the output streams to close (their last lines). */
const DRAIN_MS = 200;

export class Supervised {
  state: SupervisedState = 'starting';
  pid: number | undefined;
  restarts = 0;
  private child: ChildLike | undefined;
  private startedAt = 0;
  private lastStderr: string | undefined;
  private restartTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private readonly backoff: Backoff;
  private stopping: Promise<void> | undefined;
  private onGone: (() => void) | undefined;

  constructor(readonly plan: ProcessPlan, private readonly deps: SupervisorDeps) {
    this.backoff = new Backoff(deps.backoff ?? DEFAULT_BACKOFF);
  }

  start(): void {
    if (this.stopping) return;
    this.restartTimer = undefined;
    this.lastStderr = undefined;
    this.startedAt = this.deps.clock.now();
    let child: ChildLike;
    try {
      child = this.deps.spawner.spawn(this.plan);
    } catch (e) {
      this.exited(undefined, null, null, (e as Error).message);
      return;
    }
    this.child = child;
    this.pid = child.pid;
    this.state = 'running';
    let done = false;
    let drain: TimerHandle | undefined;
    let result: { code: number | null; signal: NodeJS.Signals | null; error?: string } | undefined;
    const finish = () => {
      if (done || !result) return;
      done = true;
      if (drain !== undefined) this.deps.clock.clearTimeout(drain);
      this.exited(child, result.code, result.signal, result.error);
    };
    child.on('exit', (code, signal) => {
      result ??= { code, signal };
      drain = this.deps.clock.setTimeout(finish, DRAIN_MS);
    });
    child.on('close', () => { result ??= { code: null, signal: null }; finish(); });
    child.on('error', (e) => {
      // Spawning failed (no such command): node reports no exit of its own in that case.
      if (result) return;
      result = { code: null, signal: null, error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? `command not found: ${this.plan.command}` : e.message };
      finish();
    });
    this.lines(child.stdout, 'stdout');
    this.lines(child.stderr, 'stderr');
    this.deps.onEvent({ type: 'started', pid: child.pid, restarts: this.restarts });
  }

  /** Stops the process for good: SIGTERM, SIGKILL after the grace period. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.restartTimer !== undefined) this.deps.clock.clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      const child = this.child;
      if (!child || this.state !== 'running') {
        this.state = 'stopped';
        resolve();
        return;
      }
      this.onGone = resolve;
      this.deps.spawner.signal(child, 'SIGTERM');
      this.killTimer = this.deps.clock.setTimeout(() => this.deps.spawner.signal(child, 'SIGKILL'), this.deps.graceMs ?? 3000);
    });
    return this.stopping;
  }

  private exited(child: ChildLike | undefined, code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (child !== this.child) return;
    this.child = undefined;
    const uptimeMs = this.deps.clock.now() - this.startedAt;
    if (this.stopping) {
      if (this.killTimer !== undefined) this.deps.clock.clearTimeout(this.killTimer);
      this.state = 'stopped';
      this.deps.onEvent({ type: 'exited', code, signal, uptimeMs, ...(error ? { error } : {}), ...(this.lastStderr ? { lastStderr: this.lastStderr } : {}) });
      this.onGone?.();
      return;
    }
    const policy = this.plan.restart;
    const restart = policy === 'always' || (policy === 'on-failure' && (code !== 0 || error !== undefined));
    const restartInMs = restart ? this.backoff.next(uptimeMs) : undefined;
    this.state = restart ? 'backoff' : error ? 'failed' : 'exited';
    this.deps.onEvent({
      type: 'exited', code, signal, uptimeMs,
      ...(error ? { error } : {}), ...(this.lastStderr ? { lastStderr: this.lastStderr } : {}),
      ...(restartInMs !== undefined ? { restartInMs } : {}),
    });
    if (restartInMs !== undefined) {
      this.restartTimer = this.deps.clock.setTimeout(() => {
        this.restarts++;
        this.start();
      }, restartInMs);
    }
  }

  private lines(stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return;
    let rest = '';
    stream.setEncoding?.('utf8');
    stream.on('data', (chunk: string | Buffer) => {
      const text = rest + String(chunk);
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      if (rest.length > 64 * 1024) { parts.push(rest); rest = ''; }
      for (const raw of parts) this.line(name, raw.replace(/\r$/, ''));
    });
    stream.on('end', () => { if (rest) this.line(name, rest); rest = ''; });
  }

  private line(stream: 'stdout' | 'stderr', line: string): void {
    if (stream === 'stderr' && line.trim()) this.lastStderr = line.trim();
    this.deps.onEvent({ type: 'line', stream, line });
  }
}
