/**
 * `trellis up -f DIR [-R] [--state-dir DIR] [--outbound explicit] [--xds-address HOST:PORT]
 * [--monitoring-address HOST:PORT] [--ready-timeout SECONDS]`: the whole mesh of DIR on this
 * machine — the control plane (watching DIR), the built-in ingress and egress gateways, and
 * every Deployment replica as local processes with a sidecar each — until Ctrl-C (SIGINT or
 * SIGTERM, or `trellis down`), which stops every process and exits 0.
 *
 * Prints what it starts, then, once every workload is ready (or the ready timeout passed), the
 * workload table (namespace, name, version, address, ready), the ingress and egress URLs and
 * commands to try; after that one line per event (a config change applied or rejected with
 * file:line, a process that crashed or came back, a request REGISTRY_ONLY blocked) and a compact
 * status line whenever it changes. Exit status: 0 after a clean stop, 1 when an address cannot
 * be listened on (a message says which and why) or a mesh already runs in the state directory,
 * 2 for a bad flag or a missing DIR.
 *
 * The runner itself is run/ (a layer above cli/): main.ts hands it in as `deps.start`; this file
 * only parses flags, guards the state directory and prints.
 */
import { Command, Option } from 'commander';
import { statSync } from 'node:fs';
import { TrellisError } from '../common/errors.js';
import { DEFAULT_MONITORING_ADDRESS, DEFAULT_XDS_ADDRESS, ListenError } from '../xds/control-plane.js';
import type { Io } from './main.js';
import { processSignal } from './signals.js';
import { DEFAULT_STATE_DIR, liveState, removeState, type MeshState } from './state-file.js';
import { renderWorkloadTable } from './workload-table.js';

export interface UpRequest {
  configDir: string;
  recursive: boolean;
  stateDir: string;
  xdsAddress: string;
  monitoringAddress: string;
}

/** Where the runner reports: event lines (stdout), problems (stderr), the live status line. */
export interface UpOutput {
  line(text: string): void;
  error(text: string): void;
}

export interface RunningMesh {
  /** The state as last written to the state directory. */
  state(): MeshState;
  /** Readiness per workload (state order), once all that can be are ready, or after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean[]>;
  /** Commands to try against this mesh. */
  hints(): string[];
  /** From now on, print the live status line when it changes. */
  live(): void;
  /** Stops every process and the control plane; removes the state file. */
  stop(): Promise<void>;
}

export type StartMesh = (req: UpRequest, out: UpOutput) => Promise<RunningMesh>;

export interface UpCommandDeps {
  start: StartMesh;
  /** Resolves when the command should stop. Default: the first SIGINT or SIGTERM. */
  stopSignal?: () => Promise<string>;
}

interface Options {
  filename: string[];
  recursive?: boolean;
  stateDir: string;
  outbound: string;
  xdsAddress: string;
  monitoringAddress: string;
  readyTimeout: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function configDir(paths: readonly string[]): string {
  if (paths.length !== 1) throw new TrellisError('E_USAGE', paths.length === 0 ? 'give the directory of the mesh\'s YAML with -f DIR' : 'give one directory with -f DIR (it is watched; put every file the mesh needs in it)');
  const dir = paths[0]!;
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new TrellisError('E_READ', `cannot read ${dir}: no such file or directory`);
  }
  if (!isDir) throw new TrellisError('E_USAGE', `-f ${dir}: give a directory (trellis up watches it; edits apply live)`);
  return dir;
}

export function upCommand(io: Io, setCode: (c: number) => void, deps: UpCommandDeps): Command {
  return new Command('up')
    .description('run the mesh of a directory of Kubernetes and Istio YAML on this machine: control plane, gateways, workloads with sidecars')
    .option('-f, --filename <dir>', 'directory of YAML (its own files; -R for sub-directories too), watched', collect, [])
    .option('-R, --recursive', 'read and watch the sub-directories of DIR too')
    .option('--state-dir <dir>', 'where the state of the running mesh is kept (read by status, exec, down…)', DEFAULT_STATE_DIR)
    .addOption(new Option('--outbound <mode>', 'outbound capture: explicit (the apps\' HTTP_PROXY is their sidecar)').choices(['explicit', 'transparent']).default('explicit'))
    .option('--xds-address <host:port>', 'where the control plane serves xDS', DEFAULT_XDS_ADDRESS)
    .option('--monitoring-address <host:port>', 'where the control plane serves /debug and /metrics', DEFAULT_MONITORING_ADDRESS)
    .option('--ready-timeout <seconds>', 'how long to wait for every workload to be ready before printing the table', '60')
    .action(async (o: Options) => {
      const dir = configDir(o.filename);
      if (o.outbound === 'transparent') {
        throw new TrellisError('E_USAGE', '--outbound transparent (iptables capture in a network namespace per pod, as root) is not implemented yet; use --outbound explicit (the default)');
      }
      const timeout = Number(o.readyTimeout);
      if (!Number.isFinite(timeout) || timeout < 0) throw new TrellisError('E_USAGE', `--ready-timeout ${JSON.stringify(o.readyTimeout)}: a number of seconds`);
      const live = liveState(o.stateDir);
      if (live.kind === 'running') {
        io.err(`trellis: a mesh is already running from this state directory (trellis up pid ${live.state.pid}, config ${live.state.configDir}); stop it with trellis down, or give another --state-dir\n`);
        setCode(1);
        return;
      }
      if (live.kind === 'stale') removeState(o.stateDir);

      const started = Date.now();
      const stop = (deps.stopSignal ?? processSignal)();
      const out: UpOutput = { line: (t) => io.out(`${t}\n`), error: (t) => io.err(`${t}\n`) };
      let mesh: RunningMesh;
      try {
        mesh = await deps.start({
          configDir: dir, recursive: o.recursive === true, stateDir: o.stateDir,
          xdsAddress: o.xdsAddress, monitoringAddress: o.monitoringAddress,
        }, out);
      } catch (e) {
        if (e instanceof ListenError) {
          io.err(`trellis: ${e.message}\n`);
          setCode(1);
          return;
        }
        throw e;
      }
      let stopped = false;
      const sig = stop.then((s) => { stopped = true; return s; });
      const ready = await Promise.race([mesh.waitReady(timeout * 1000), sig.then(() => undefined)]);
      if (ready && !stopped) {
        const state = mesh.state();
        const all = ready.every(Boolean);
        const hints = mesh.hints();
        // One write: a reader that sees the ready line also sees the commands to try.
        io.out('\n' + renderWorkloadTable(state.workloads, ready) +
          `\ningress: ${state.ingress}\negress:  ${state.egress}\n` +
          (all
            ? `ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
            : `not every workload is ready (see above); trellis status shows them live, the logs are in ${o.stateDir}/logs/\n`) +
          (hints.length ? `\nTry:\n${hints.map((h) => `  ${h}`).join('\n')}\n\n` : ''));
        mesh.live();
      }
      const signal = await sig;
      io.out(`${signal}: stopping every process…\n`);
      await mesh.stop();
      io.out('stopped\n');
      setCode(0);
    });
}
