/**
 * One running workload of a local mesh: its proxy (sidecar or gateway) and app processes, each
 * supervised (supervisor.ts), their output appended to log files (`STATE_DIR/logs/NS.POD.NAME.log`)
 * and handed to the mesh as lines, their crashes and restarts reported as event lines. Its
 * `state()` is the workload's entry in the state file. Does not decide what runs (plan.ts) nor
 * when (mesh.ts).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../common/clock.js';
import type { ProcessState, WorkloadState } from '../cli/state-file.js';
import type { BackoffPolicy } from './backoff.js';
import type { ProcessPlan, WorkloadPlan } from './plan.js';
import { Supervised, type Spawner, type SupervisorEvent } from './supervisor.js';

export interface WorkloadHooks {
  spawner: Spawner;
  clock: Clock;
  backoff?: BackoffPolicy;
  /** Directory for the processes' output; none: output is only parsed. */
  logDir?: string;
  /** An event line (restarted…) and a problem line (crashed…). */
  line(text: string): void;
  error(text: string): void;
  /** A line a proxy printed (access log, blocked requests). */
  proxyLine(w: WorkloadPlan, line: string): void;
  /** A process started, stopped or crashed: the state changed. */
  changed(): void;
  crashed(): void;
}

function exitText(e: Extract<SupervisorEvent, { type: 'exited' }>): string {
  if (e.error) return e.error;
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

export class RunningWorkload {
  readonly proxy: Supervised | undefined;
  readonly apps: Supervised[];
  private readonly logs: WriteStream[] = [];

  constructor(readonly plan: WorkloadPlan, private readonly hooks: WorkloadHooks) {
    this.proxy = plan.proxy ? this.supervise(plan.proxy, true) : undefined;
    this.apps = plan.apps.map((a) => this.supervise(a, false));
  }

  start(): void {
    this.proxy?.start();
    for (const a of this.apps) a.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.proxy?.stop(), ...this.apps.map((a) => a.stop())]);
    await Promise.all(this.logs.map((l) => new Promise<void>((r) => l.end(() => r()))));
  }

  state(): WorkloadState {
    const p = this.plan;
    const procs = [...(this.proxy ? [this.proxy] : []), ...this.apps];
    return {
      namespace: p.namespace, name: p.name, deployment: p.deployment, kind: p.kind, version: p.version,
      podIp: p.podIp, appAddress: p.appAddress, ports: p.apps.flatMap((a) => (a.port ? [a.port] : [])),
      ...(p.proxyId ? { proxyId: p.proxyId } : {}),
      ...(this.proxy ? { proxy: processState(this.proxy) } : {}),
      apps: this.apps.map(processState),
      restarts: procs.reduce((n, s) => n + s.restarts, 0),
      ...(p.problems.length ? { problem: p.problems.join('; ') } : {}),
    };
  }

  private supervise(proc: ProcessPlan, isProxy: boolean): Supervised {
    const p = this.plan;
    const who = `${p.namespace}/${p.name} ${isProxy ? (p.kind === 'Gateway' ? 'gateway' : 'sidecar') : proc.name}`;
    const log = this.hooks.logDir ? createWriteStream(join(this.hooks.logDir, `${p.namespace}.${p.name}.${proc.name}.log`), { flags: 'a' }) : undefined;
    if (log) {
      log.on('error', () => {});
      this.logs.push(log);
    }
    const s: Supervised = new Supervised(proc, {
      spawner: this.hooks.spawner, clock: this.hooks.clock, backoff: this.hooks.backoff,
      onEvent: (e) => {
        if (e.type === 'line') {
          log?.write(`${e.line}\n`);
          if (isProxy) this.hooks.proxyLine(p, e.line);
          return;
        }
        if (e.type === 'started') {
          if (e.restarts > 0) this.hooks.line(`restarted: ${who} (pid ${e.pid}, restart ${e.restarts})`);
        } else if (s.state !== 'stopped') {
          const clean = e.code === 0 && !e.error;
          if (!clean) this.hooks.crashed();
          const last = e.lastStderr && !clean ? ` (last stderr: ${e.lastStderr})` : '';
          const next = e.restartInMs !== undefined ? `; restarting in ${e.restartInMs} ms` : '; not restarted (its restartPolicy)';
          (clean ? this.hooks.line : this.hooks.error)(`${clean ? 'exited' : 'crashed'}: ${who} ${exitText(e)}${last}${next}`);
        }
        this.hooks.changed();
      },
    });
    return s;
  }
}

function processState(s: Supervised): ProcessState {
  const state: ProcessState['state'] = s.state === 'backoff' ? 'backoff' : s.state === 'failed' ? 'failed'
    : s.state === 'exited' || s.state === 'stopped' ? 'exited' : 'running';
  return { name: s.plan.name, ...(s.pid !== undefined ? { pid: s.pid } : {}), restarts: s.restarts, state, ...(s.plan.port ? { port: s.plan.port } : {}) };
}
