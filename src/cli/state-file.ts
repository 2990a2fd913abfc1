/**
 * The state directory of a running `trellis up` (default `.trellis/` in the working directory):
 * one JSON file, `state.json`, that the up process writes atomically (temporary file + rename)
 * on every change and removes on a clean exit, and that `trellis status`, `exec`, `down`,
 * `proxy-config`, `proxy-status` and `explain` read. It says where the control plane listens,
 * the gateways' URLs, and per workload its addresses, ports, PIDs and restarts.
 *
 * This module only reads and writes the file and answers questions about it (is its up process
 * alive, which workload does `NAME` mean); it does not probe the mesh (readiness.ts does) and
 * does not start anything.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TrellisError } from '../common/errors.js';

export const DEFAULT_STATE_DIR = '.trellis';
export const STATE_FILE = 'state.json';
export const STATE_VERSION = 1;

export interface ProcessState {
  /** Container name, or `sidecar` / `gateway` for the proxy. */
  name: string;
  pid?: number;
  restarts: number;
  /** `running`, `backoff` (waiting to restart), `exited` (will not restart), `failed` (cannot start). */
  state: 'running' | 'backoff' | 'exited' | 'failed';
  /** The port the app listens on (apps with a listener). */
  port?: number;
}

/** What a local pod is, as the runner plans it and the state file records it. */
export interface PodInfo {
  namespace: string;
  /** The pod name (`demoappv10-0`). */
  name: string;
  /** The Deployment (or Pod, or gateway) it belongs to. */
  deployment: string;
  kind: 'Deployment' | 'Pod' | 'Gateway';
  /** The `version` label, or ''. */
  version: string;
  podIp: string;
  /** Where the app listens: its own address with a sidecar, the pod IP without one. */
  appAddress: string;
  /** Istio's proxy id `POD.NAMESPACE`, when the workload runs a proxy. */
  proxyId?: string;
}

export interface WorkloadState extends PodInfo {
  ports: number[];
  /** The sidecar or gateway proxy process; absent for workloads outside the mesh. */
  proxy?: ProcessState;
  apps: ProcessState[];
  /** Restarts of all its processes. */
  restarts: number;
  /** Why it cannot run completely (an unknown image without a command…), if so. */
  problem?: string;
  /** Hosts its requests to were blocked by REGISTRY_ONLY (`host` or `host:port`). */
  blocked?: string[];
}

export interface MeshState {
  version: number;
  pid: number;
  startedAt: string;
  /** The directory `up` serves (absolute) and whether it reads sub-directories. */
  configDir: string;
  recursive: boolean;
  controlPlane: { xds: string; monitoring: string };
  ingress: string;
  egress: string;
  workloads: WorkloadState[];
}

export function statePath(stateDir: string = DEFAULT_STATE_DIR): string {
  return join(resolve(stateDir), STATE_FILE);
}

/** Writes the state atomically: readers see the old or the new file, never half of one. */
export function writeState(stateDir: string, state: MeshState): void {
  const dir = resolve(stateDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, file);
}

export function removeState(stateDir: string): void {
  rmSync(statePath(stateDir), { force: true });
}

function isState(v: unknown): v is MeshState {
  const s = v as MeshState;
  return !!s && typeof s === 'object' && typeof s.pid === 'number' && Array.isArray(s.workloads) &&
    !!s.controlPlane && typeof s.controlPlane.monitoring === 'string';
}

/** The state in `stateDir`, or undefined when there is none. A file that is not state is E_READ. */
export function readState(stateDir: string = DEFAULT_STATE_DIR): MeshState | undefined {
  const file = statePath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TrellisError('E_READ', `cannot read ${file}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new TrellisError('E_READ', `${file} is not a trellis up state file (not JSON); remove it if no mesh is running`);
  }
  if (!isState(v)) throw new TrellisError('E_READ', `${file} is not a trellis up state file; remove it if no mesh is running`);
  return v;
}

/** Whether a process exists (signal 0; EPERM means it exists but is not ours). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type LiveState =
  | { kind: 'running'; state: MeshState }
  | { kind: 'none' }
  /** A state file whose up process is gone (killed without cleaning up). */
  | { kind: 'stale'; state: MeshState };

export function liveState(stateDir: string = DEFAULT_STATE_DIR): LiveState {
  const state = readState(stateDir);
  if (!state) return { kind: 'none' };
  return isAlive(state.pid) ? { kind: 'running', state } : { kind: 'stale', state };
}

/** `nothing is running` with the reason, for the commands that need a running mesh. */
export function notRunningMessage(stateDir: string, live: LiveState): string {
  if (live.kind === 'stale') {
    return `no mesh is running: the state in ${statePath(stateDir)} is from trellis up pid ${live.state.pid}, which is gone (run trellis down to clean it up)`;
  }
  return `no mesh is running (no ${statePath(stateDir)}); start one with trellis up -f DIR`;
}

/** The running mesh's state, or E_USAGE saying that nothing runs. */
export function requireRunning(stateDir: string = DEFAULT_STATE_DIR): MeshState {
  const live = liveState(stateDir);
  if (live.kind !== 'running') throw new TrellisError('E_USAGE', notRunningMessage(stateDir, live));
  return live.state;
}

/**
 * The workloads `arg` names in namespace `namespace`: a pod name (`demoappv10-1`), a Deployment
 * (all its replicas, in order), `NAME.NS`, `NS/NAME`, or a built-in gateway by bare name from
 * any namespace. Empty when nothing matches.
 */
export function findWorkloads(state: MeshState, arg: string, namespace: string): WorkloadState[] {
  const readings: { ns?: string; name: string }[] = [];
  const slash = arg.indexOf('/');
  if (slash >= 0) readings.push({ ns: arg.slice(0, slash), name: arg.slice(slash + 1) });
  else {
    readings.push({ ns: namespace, name: arg });
    const dot = arg.lastIndexOf('.');
    if (dot > 0) readings.push({ ns: arg.slice(dot + 1), name: arg.slice(0, dot) });
    readings.push({ name: arg }); // gateways (and unique names) from any namespace
  }
  for (const r of readings) {
    const inNs = state.workloads.filter((w) => r.ns === undefined ? w.kind === 'Gateway' : w.namespace === r.ns);
    const pods = inNs.filter((w) => w.name === r.name);
    if (pods.length > 0) return pods;
    const deployment = inNs.filter((w) => w.deployment === r.name);
    if (deployment.length > 0) return deployment;
  }
  return [];
}

/** The first of `findWorkloads`, or E_USAGE listing what exists. */
export function requireWorkloads(state: MeshState, arg: string, namespace: string): WorkloadState[] {
  const found = findWorkloads(state, arg, namespace);
  if (found.length > 0) return found;
  const known = [...new Set(state.workloads.map((w) => `${w.namespace}/${w.deployment}`))];
  throw new TrellisError('E_USAGE', `no workload ${JSON.stringify(arg)} in namespace ${namespace} of the running mesh; workloads: ${known.join(', ') || '(none)'}`);
}
