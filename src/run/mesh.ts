/**
 * The local mesh behind `trellis up` (cli/up.ts hands the user's request in): hosts the control
 * plane in this process (watching DIR; xDS and monitoring on their addresses), plans the
 * workloads from the snapshot it serves (plan.ts) and runs each as supervised processes
 * (workload.ts). An edit in DIR applies live: the control plane pushes routing changes to the
 * proxies, and when the plan itself changes (a Deployment added, removed or edited) the affected
 * workloads are stopped, started or restarted. The state directory's file is written on every
 * change and removed on stop. Config changes and rejections, crashes and restarts, and requests
 * REGISTRY_ONLY blocked are reported as lines; the live status line (live-status.ts) is printed
 * when it changes, at most once a second.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setLogger as setGrpcLogger } from '@grpc/grpc-js';
import { realClock, type Clock } from '../common/clock.js';
import { STATE_VERSION, removeState, writeState, type MeshState, type WorkloadState } from '../cli/state-file.js';
import { readiness } from '../cli/readiness.js';
import type { RunningMesh, UpOutput, UpRequest } from '../cli/up.js';
import { startControlPlane, type ControlPlane } from '../xds/control-plane.js';
import { monitoringPlugin } from '../xds/monitoring/plugin.js';
import type { AdsEvent, Logger } from '../xds/types.js';
import { EGRESS_GATEWAY, INGRESS_GATEWAY, type BuiltinGateway } from '../registry/gateways.js';
import type { BackoffPolicy } from './backoff.js';
import { explainBlocked } from './blocked.js';
import { hints } from './hints.js';
import { LiveStatus, parseBlocked } from './live-status.js';
import { planMesh, type TrellisLauncher, type WorkloadPlan } from './plan.js';
import { entryFile, realSpawner, trellisLauncher } from './spawn.js';
import type { Spawner } from './supervisor.js';
import { RunningWorkload } from './workload.js';

export interface MeshOptions {
  spawner?: Spawner;
  launcher?: TrellisLauncher;
  clock?: Clock;
  backoff?: BackoffPolicy;
  /** Live status line period (ms). Default 1000. */
  statusEveryMs?: number;
}

/** The base URL of a gateway's port-80 server (the target port it binds). */
export function gatewayUrl(gw: BuiltinGateway): string {
  const p = gw.ports.find((x) => x.port === 80) ?? gw.ports[0]!;
  return `http://${gw.address}:${p.targetPort}`;
}

/** `npx trellis` when run from inside the package (a clone), else `trellis`. */
function trellisCommand(): string {
  const rel = relative(process.cwd(), entryFile());
  return rel.startsWith('..') || resolve(rel) === rel ? 'trellis' : 'npx trellis';
}

function upLogger(out: UpOutput): Logger {
  const text = (msg: string, f?: Record<string, unknown>) => `${msg}${f && Object.keys(f).length ? ` ${JSON.stringify(f)}` : ''}`;
  return {
    debug: () => {},
    info: (msg) => { if (msg.startsWith('config:')) out.line(msg); },
    warn: (msg, f) => {
      if (msg.startsWith('xds: NACK')) out.error(`rejected: proxy ${String(f?.['proxy'] ?? '')} refused ${String(f?.['typeUrl'] ?? '').split('.').pop()} version ${String(f?.['version'] ?? '')}: ${String(f?.['error'] ?? '')}`);
      else if (!msg.startsWith('xds: closing stream')) out.error(text(msg, f));
    },
    error: (msg, f) => out.error(text(msg, f)),
  };
}

export async function startLocalMesh(req: UpRequest, out: UpOutput, o: MeshOptions = {}): Promise<RunningMesh> {
  const clock = o.clock ?? realClock;
  const launcher = o.launcher ?? trellisLauncher();
  const spawner = o.spawner ?? realSpawner({ launcher });
  const configDir = resolve(req.configDir);
  const logDir = join(resolve(req.stateDir), 'logs');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });

  const running = new Map<string, RunningWorkload>();
  const status = new LiveStatus(() => [...running.values()].filter((r) => r.proxy).length);
  const blockedSeen = new Map<string, Set<string>>();
  let liveOn = false;
  let lastStatus = '';
  let statusTimer: ReturnType<Clock['setTimeout']> | undefined;
  const statusChanged = () => {
    if (!liveOn || statusTimer !== undefined) return;
    statusTimer = clock.setTimeout(() => {
      statusTimer = undefined;
      const line = status.line();
      if (line !== lastStatus) out.line(line);
      lastStatus = line;
    }, o.statusEveryMs ?? 1000);
  };

  const monitoring = monitoringPlugin();
  setGrpcLogger({ error: () => {}, info: () => {}, debug: () => {} });
  const cp: ControlPlane = await startControlPlane({
    configDir, recursive: req.recursive, xdsAddress: req.xdsAddress, monitoringAddress: req.monitoringAddress,
    monitoring: monitoring.factory, logger: upLogger(out),
    ads: { onEvent: (e: AdsEvent) => { monitoring.onEvent(e); status.onAds(e); statusChanged(); } },
  });
  const monitoringAddress = `${req.monitoringAddress.slice(0, req.monitoringAddress.lastIndexOf(':'))}:${cp.monitoringPort}`;
  out.line(`control plane: xds ${cp.xdsAddress}, monitoring ${monitoringAddress}`);

  let stopping = false;
  let writeQueued = false;
  const startedAt = new Date(clock.now()).toISOString();
  const state = (): MeshState => ({
    version: STATE_VERSION, pid: process.pid, startedAt, configDir, recursive: req.recursive,
    controlPlane: { xds: cp.xdsAddress, monitoring: monitoringAddress },
    ingress: gatewayUrl(INGRESS_GATEWAY), egress: gatewayUrl(EGRESS_GATEWAY),
    workloads: [...running.values()].map((r) => withBlocked(r.state())),
  });
  const withBlocked = (w: WorkloadState): WorkloadState => {
    const b = blockedSeen.get(`${w.namespace}/${w.name}`);
    return b && b.size ? { ...w, blocked: [...b] } : w;
  };
  const write = () => {
    if (stopping || writeQueued) return;
    writeQueued = true;
    queueMicrotask(() => {
      writeQueued = false;
      if (stopping) return;
      try {
        writeState(req.stateDir, state());
      } catch (e) {
        out.error(`trellis: cannot write the state to ${req.stateDir}: ${(e as Error).message}`);
      }
    });
  };

  const hooks = {
    spawner, clock, backoff: o.backoff, logDir,
    line: out.line, error: out.error,
    changed: write,
    crashed: () => { status.crashes++; statusChanged(); },
    proxyLine: (w: WorkloadPlan, line: string) => {
      status.onProxyLine(line);
      statusChanged();
      const host = parseBlocked(line);
      if (!host) return;
      const key = `${w.namespace}/${w.name}`;
      const seen = blockedSeen.get(key) ?? new Set<string>();
      blockedSeen.set(key, seen);
      if (seen.has(host)) return;
      seen.add(host);
      write();
      for (const l of explainBlocked(cp.snapshot(), w.namespace, w.name, host)) out.error(l);
    },
  };

  /** Brings the running workloads in line with the plan of the current snapshot. */
  const reconcile = async (initial: boolean) => {
    const plans = planMesh({ snapshot: cp.snapshot(), objects: cp.store.list().map((x) => x.raw), xdsAddress: cp.xdsAddress, trellis: launcher });
    const wanted = new Map(plans.map((p) => [p.key, p]));
    const leaving: Promise<void>[] = [];
    for (const [key, r] of running) {
      const next = wanted.get(key);
      if (next && next.hash === r.plan.hash) continue;
      running.delete(key);
      out.line(`${next ? 'restarting' : 'stopping'}: ${key} (${next ? 'its Deployment changed' : 'no longer in the config'})`);
      leaving.push(r.stop());
    }
    // A changed pod keeps its addresses: its old processes must be gone first.
    await Promise.all(leaving);
    if (stopping) return;
    let started = 0;
    for (const p of plans) {
      if (running.has(p.key)) continue;
      for (const line of p.problems) out.error(line);
      for (const line of p.warnings) out.error(line);
      const r = new RunningWorkload(p, hooks);
      running.set(p.key, r);
      r.start();
      started++;
      if (!initial) out.line(`starting: ${p.key}`);
    }
    // Keep the state's order: the plan's (gateways first, then by namespace and name).
    const order = new Map(plans.map((p, i) => [p.key, i]));
    const sorted = [...running.entries()].sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0));
    running.clear();
    for (const [k, v] of sorted) running.set(k, v);
    if (initial) {
      const procs = plans.reduce((n, p) => n + (p.proxy ? 1 : 0) + p.apps.length, 0);
      out.line(`starting ${started} workload(s), ${procs} process(es); logs in ${logDir}`);
    }
    write();
  };
  await reconcile(true);
  let queue = Promise.resolve();
  const unsubscribe = cp.source.subscribe(() => {
    queue = queue.then(() => (stopping ? undefined : reconcile(false))).catch((e: Error) => out.error(`trellis: cannot apply the change to the workloads: ${e.stack ?? e.message}`));
  });

  let stopped: Promise<void> | undefined;
  return {
    state,
    async waitReady(timeoutMs: number): Promise<boolean[]> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const workloads = state().workloads;
        const ready = await readiness(workloads);
        // A workload with a problem (an image that cannot run) will not become ready: not waited for.
        if (ready.every((r, i) => r || workloads[i]!.problem) || Date.now() >= until || stopping) return ready;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    hints: () => hints(cp.snapshot(), [...running.values()].map((r) => r.plan), gatewayUrl(INGRESS_GATEWAY), trellisCommand()),
    live: () => {
      liveOn = true;
      lastStatus = status.line();
      out.line(lastStatus);
    },
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        liveOn = false;
        if (statusTimer !== undefined) clock.clearTimeout(statusTimer);
        unsubscribe();
        await queue;
        await Promise.all([...running.values()].map((r) => r.stop()));
        await cp.close();
        removeState(req.stateDir);
      })();
      return stopped;
    },
  };
}
