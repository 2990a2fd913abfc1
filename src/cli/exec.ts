/**
 * `trellis exec [-n NS] [--state-dir DIR] WORKLOAD -- CMD…`: runs CMD as a workload of the mesh
 * `trellis up` runs, as `kubectl exec` runs it in a pod: `http_proxy`, `HTTP_PROXY`,
 * `https_proxy` and `HTTPS_PROXY` point at the workload's sidecar (`http://POD_IP:15001`, the
 * explicit outbound proxy), so `trellis exec sleep -- curl -s http://demoapp:8080/` is routed by
 * the mesh; `POD_NAME`, `POD_IP` and `POD_NAMESPACE` are set too. WORKLOAD is a pod
 * (`demoappv10-1`) or a Deployment (its first ready replica), as `NAME`, `NAME.NS` or `NS/NAME`.
 * CMD runs with this terminal's stdin, stdout and stderr; the exit status is CMD's (127 when it
 * cannot be found). A workload without a sidecar (or a gateway) runs CMD without the proxy.
 */
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { TrellisError } from '../common/errors.js';
import type { Io } from './main.js';
import { workloadReady } from './readiness.js';
import { DEFAULT_STATE_DIR, requireRunning, requireWorkloads, type WorkloadState } from './state-file.js';

interface Options {
  namespace: string;
  stateDir: string;
}

/** The sidecar's explicit outbound HTTP proxy port (Istio's outbound capture port). */
export const EXPLICIT_PROXY_PORT = 15001;

/** The proxy variables programs read; a workload's processes get the sidecar's instead of ours. */
export const PROXY_VARS: readonly string[] = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY'];

/** `http_proxy`, `HTTP_PROXY`, `https_proxy`, `HTTPS_PROXY` pointing at the sidecar on `podIp`. */
export function sidecarProxyEnv(podIp: string): Record<string, string> {
  const url = `http://${podIp}:${EXPLICIT_PROXY_PORT}`;
  return { http_proxy: url, HTTP_PROXY: url, https_proxy: url, HTTPS_PROXY: url };
}

/** The environment CMD runs with: this one, with the workload's proxy and pod variables. */
export function execEnv(w: WorkloadState, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of PROXY_VARS) delete env[k];
  env['POD_NAME'] = w.name;
  env['POD_NAMESPACE'] = w.namespace;
  env['POD_IP'] = w.podIp;
  return w.proxy && w.kind !== 'Gateway' ? { ...env, ...sidecarProxyEnv(w.podIp) } : env;
}

/** The first ready pod of those WORKLOAD names (the first one when none is ready). */
async function pick(pods: readonly WorkloadState[]): Promise<WorkloadState> {
  if (pods.length === 1) return pods[0]!;
  for (const p of pods) if (await workloadReady(p)) return p;
  return pods[0]!;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  return new Promise((resolve) => {
    // The terminal's Ctrl-C reaches CMD (same process group); this process waits for CMD.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    const child = spawn(command, [...args], { stdio: 'inherit', env });
    const done = (code: number) => {
      process.off('SIGINT', ignore);
      resolve(code);
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      io.err(`trellis exec: cannot run ${command}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
      done(e.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => done(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1)));
  });
}

export function execCommand(io: Io, setCode: (c: number) => void): Command {
  return new Command('exec')
    .description('run a command as a workload of the running mesh (its HTTP(S)_PROXY is the workload\'s sidecar)')
    .argument('<workload>', 'pod or Deployment (first ready replica): NAME, NAME.NS or NS/NAME')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-n, --namespace <ns>', 'namespace of the workload', 'default')
    .option('--state-dir <dir>', 'the state directory of trellis up', DEFAULT_STATE_DIR)
    .action(async (workload: string, command: string[], o: Options) => {
      if (command.length === 0) throw new TrellisError('E_USAGE', 'give the command to run after --, e.g. trellis exec sleep -- curl -s http://demoapp:8080/');
      const state = requireRunning(o.stateDir);
      const pod = await pick(requireWorkloads(state, workload, o.namespace));
      setCode(await run(command[0]!, command.slice(1), execEnv(pod), io));
    });
}
