/**
 * `trellis explain WORKLOAD URL -f PATH… [-n NS] [-X METHOD] [-H 'k: v']… [--sni NAME] [--port N]
 * [--random N] [-o text|json]`: walks one request from WORKLOAD through the config Trellis
 * compiles for it, printing each decision with the config behind it (explain/engine.ts). Exit 0
 * when the request would be forwarded (or redirected / answered as configured), 1 when it would
 * fail or be blocked, 2 on usage errors. Without `-f`, the config of the mesh `trellis up` runs
 * (the directory its state names, read as its control plane reads it).
 */
import { Command } from 'commander';
import { TrellisError } from '../common/errors.js';
import { explainRequest } from './explain/engine.js';
import { renderText } from './explain/render.js';
import type { Io } from './main.js';
import { loadMesh, resolveWorkload, withMeshOptions, type MeshInputOptions } from './mesh-input.js';
import { checkFormat } from './output.js';
import { DEFAULT_STATE_DIR, liveState, notRunningMessage } from './state-file.js';

interface ExplainFlags extends MeshInputOptions {
  stateDir: string;
  request: string;
  header: string[];
  sni?: string;
  port?: string;
  random?: string;
  output: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new TrellisError('E_USAGE', `--${name} expects a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Without -f: the directory the running mesh serves, read as its control plane reads it. */
function runningConfig(opts: ExplainFlags): ExplainFlags {
  const live = liveState(opts.stateDir);
  if (live.kind !== 'running') {
    throw new TrellisError('E_USAGE', `no input: give config files with -f PATH, or start a mesh with trellis up (${notRunningMessage(opts.stateDir, live)})`);
  }
  return { ...opts, filename: [live.state.configDir], recursive: live.state.recursive };
}

export function explainCommand(io: Io, setCode: (c: number) => void): Command {
  const cmd = new Command('explain')
    .description('explain how WORKLOAD\'s proxy would handle a request to URL: listener, route, cluster, endpoints, and why')
    .argument('<workload>', 'NAME, NAME.NS, NS/NAME, pod/NAME or deployment/NAME (the built-in gateways by name)')
    .argument('<url>', 'http://HOST[:PORT]/PATH, https://HOST[:PORT] (TLS), or tcp://HOST:PORT');
  return withMeshOptions(cmd)
    .option('-X, --request <method>', 'HTTP method', 'GET')
    .option('-H, --header <header>', "request header 'name: value'; repeatable", collect, [])
    .option('--sni <name>', 'TLS server name (implies a TLS connection)')
    .option('--port <n>', 'destination port (overrides the URL\'s)')
    .option('--random <n>', 'random value for weighted choices (Envoy picks random % total weight)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--state-dir <dir>', 'without -f: the state directory of the mesh trellis up runs (its config is explained)', DEFAULT_STATE_DIR)
    .action((workload: string, url: string, opts: ExplainFlags) => {
      const format = checkFormat(opts.output, ['text', 'json']);
      const mesh = loadMesh(opts.filename.length > 0 ? opts : runningConfig(opts), io);
      const { proxy } = resolveWorkload(mesh.snapshot, workload, opts.namespace);
      const random = intFlag('random', opts.random) ?? Math.floor(Math.random() * 2 ** 32);
      const ex = explainRequest(mesh.snapshot, proxy, url, {
        method: opts.request, headers: opts.header, sni: opts.sni, port: intFlag('port', opts.port), random,
      });
      io.out(format === 'json' ? JSON.stringify(ex, null, 2) + '\n' : renderText(ex));
      const ok = ex.outcome.kind === 'forwarded' || ex.outcome.kind === 'passthrough' || ex.outcome.kind === 'redirect' || ex.outcome.kind === 'directResponse';
      setCode(ok ? 0 : 1);
    });
}
