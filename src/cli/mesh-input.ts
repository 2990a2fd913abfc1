/**
 * Input shared by the commands that look at the mesh as a proxy sees it (`proxy-config`,
 * `explain`): read config from `-f` paths, validate it, report what is invalid and leave it out,
 * build the snapshot, and resolve a WORKLOAD argument to the Proxy it names.
 *
 * Invalid objects and unparsable documents are reported on stderr (`file:line: error: Kind
 * ns/name: field: message`) and left out; the command goes on with the rest, as a control plane
 * keeps serving the config it can use. Only when problems were found AND no valid object remains
 * does loading fail (exit 1): there is nothing meaningful to show then. A directory contributes
 * its own files, as `kubectl apply -f DIR` reads it (so the examples' `steps/` overlays stay out
 * unless named); `-R` reads sub-directories too, with no special case for any folder name.
 *
 * Objects without `metadata.namespace` land in `default`: `-n` is the WORKLOAD's namespace here,
 * as in istioctl, not a namespace for the files (which were "applied" separately).
 */
import type { Command } from 'commander';
import { objectRef, type RawObject } from '../api/resource.js';
import { ROOT_NAMESPACE } from '../api/names.js';
import { TrellisError } from '../common/errors.js';
import { loadPaths, type LoadedConfig } from '../config/load.js';
import { proxyForWorkload } from '../model/proxy.js';
import { buildSnapshot, type SnapshotOptions } from '../model/snapshot.js';
import type { Proxy, Snapshot } from '../model/types.js';
import type { Workload } from '../registry/types.js';
import type { Io } from './main.js';

export interface MeshInputOptions {
  filename: string[];
  namespace: string;
  recursive?: boolean;
}

export interface MeshInput {
  snapshot: Snapshot;
  config: LoadedConfig;
  /** The valid objects the snapshot was built from, in input order. */
  objects: RawObject[];
  /** Number of invalid objects and unparsable documents reported (and left out). */
  problems: number;
}

export interface ResolvedWorkload {
  workload: Workload;
  proxy: Proxy;
}

/** Namespace for objects in the files that do not set one. */
export const FILE_DEFAULT_NAMESPACE = 'default';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `-f PATH…` (repeatable) and `-n NS` (the workload's namespace, default `default`). */
export function withMeshOptions(cmd: Command): Command {
  return cmd
    .option('-f, --filename <path>', 'config file, directory (its own files; -R for sub-directories too) or - for stdin; repeatable', collect, [])
    .option('-R, --recursive', 'read the sub-directories of -f directories too (as kubectl -R)')
    .option('-n, --namespace <ns>', 'namespace of the workload', 'default');
}

/** One stderr line per problem, `file:line: error: Kind ns/name: field: message`. */
export function reportProblems(cfg: LoadedConfig, io: Io): number {
  let n = 0;
  for (const f of cfg.failures) {
    n++;
    io.err(`${f.file}:${f.line}: error: ${f.object ? f.object + ': ' : ''}${f.field ? f.field + ': ' : ''}${f.message} (left out)\n`);
  }
  for (const o of cfg.objects) {
    if (o.valid) continue;
    n++;
    const ref = objectRef(o.raw);
    for (const p of o.errors) {
      io.err(`${o.raw.origin.file}:${p.line ?? o.raw.origin.line}: error: ${ref}: ${p.field || '(object)'}: ${p.message}\n`);
    }
    io.err(`${o.raw.origin.file}:${o.raw.origin.line}: ${ref} is invalid and left out\n`);
  }
  return n;
}

/**
 * Loads `-f` paths (plus extra `paths`), reports and drops invalid objects, builds the snapshot.
 * Throws E_USAGE without input, E_READ for unreadable paths, E_PARSE when problems left nothing.
 */
export function loadMesh(opts: MeshInputOptions, io: Io, paths: readonly string[] = [], snapshotOptions: SnapshotOptions = {}): MeshInput {
  const all = [...opts.filename, ...paths];
  if (all.length === 0) throw new TrellisError('E_USAGE', 'no input: give config files or directories with -f PATH (or -f - for stdin)');
  const config = loadPaths(all, { defaultNamespace: FILE_DEFAULT_NAMESPACE, stdin: io.stdin, recursive: opts.recursive === true });
  const problems = reportProblems(config, io);
  const objects = config.objects.filter((o) => o.valid).map((o) => o.raw);
  if (problems > 0 && objects.length === 0) {
    throw new TrellisError('E_PARSE', `no valid config left in ${all.join(', ')} (${problems} invalid object(s) or document(s))`);
  }
  return { snapshot: buildSnapshot(objects, snapshotOptions), config, objects, problems };
}

const TYPE_PREFIXES: Readonly<Record<string, Workload['kind'][]>> = {
  pod: ['Pod', 'Deployment', 'Gateway'], pods: ['Pod', 'Deployment', 'Gateway'], po: ['Pod', 'Deployment', 'Gateway'],
  deployment: ['Deployment', 'Gateway'], deployments: ['Deployment', 'Gateway'], deploy: ['Deployment', 'Gateway'],
  'deployment.apps': ['Deployment', 'Gateway'], 'deployments.apps': ['Deployment', 'Gateway'],
  workloadentry: ['WorkloadEntry'], workloadentries: ['WorkloadEntry'], we: ['WorkloadEntry'],
};

const BUILTIN_GATEWAY_NAMES = new Set(['istio-ingressgateway', 'istio-egressgateway']);

/** `ns/name` of every workload (Deployments once, whatever their replicas). */
export function knownWorkloads(snapshot: Snapshot): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => { if (!seen.has(s)) { seen.add(s); out.push(s); } };
  for (const w of snapshot.registry.workloads) add(`${w.namespace}/${w.name}`);
  return out;
}

function find(snapshot: Snapshot, ns: string, name: string, kinds?: readonly Workload['kind'][]): Workload | undefined {
  const candidates = snapshot.registry.workloads.filter((w) => w.namespace === ns && (!kinds || kinds.includes(w.kind)));
  // The object name first (a Deployment's first replica), then a pod name (`NAME-N`).
  return candidates.find((w) => w.name === name) ?? candidates.find((w) => w.podName === name);
}

/** Candidate (namespace, name) pairs an argument may mean, most literal first. */
function readings(arg: string, namespace: string): { ns: string; name: string; kinds?: Workload['kind'][] }[] {
  const out: { ns: string; name: string; kinds?: Workload['kind'][] }[] = [];
  const slash = arg.indexOf('/');
  if (slash >= 0) {
    const head = arg.slice(0, slash);
    const tail = arg.slice(slash + 1);
    const kinds = TYPE_PREFIXES[head.toLowerCase()];
    if (kinds) {
      // istioctl's `TYPE/NAME[.NS]`.
      out.push({ ns: namespace, name: tail, kinds });
      const dot = tail.lastIndexOf('.');
      if (dot > 0) out.push({ ns: tail.slice(dot + 1), name: tail.slice(0, dot), kinds });
    } else {
      out.push({ ns: head, name: tail });
    }
    return out;
  }
  out.push({ ns: namespace, name: arg });
  const dot = arg.lastIndexOf('.');
  if (dot > 0) out.push({ ns: arg.slice(dot + 1), name: arg.slice(0, dot) });
  return out;
}

/**
 * Resolves WORKLOAD in namespace `namespace`: `NAME` (Deployment → first replica, `NAME-N` →
 * replica N, Pod, WorkloadEntry), `NAME.NS`, `NS/NAME`, istioctl's `pod/NAME[.NS]` and
 * `deployment/NAME[.NS]`, and the built-in gateways by bare name from any namespace. Unknown →
 * E_USAGE listing the known workloads.
 */
export function resolveWorkload(snapshot: Snapshot, arg: string, namespace: string): ResolvedWorkload {
  if (!arg) throw new TrellisError('E_USAGE', 'missing WORKLOAD');
  const tries = readings(arg, namespace);
  for (const t of tries) {
    const w = find(snapshot, t.ns, t.name, t.kinds);
    if (w) return { workload: w, proxy: proxyForWorkload(w, snapshot) };
  }
  // Built-in gateways live in istio-system whatever -n says.
  for (const t of tries) {
    const base = t.name.replace(/-\d+$/, '');
    if (BUILTIN_GATEWAY_NAMES.has(base)) {
      const w = find(snapshot, ROOT_NAMESPACE, t.name, t.kinds);
      if (w) return { workload: w, proxy: proxyForWorkload(w, snapshot) };
    }
  }
  const known = knownWorkloads(snapshot);
  throw new TrellisError('E_USAGE',
    `no workload ${JSON.stringify(arg)} in namespace ${namespace}; known workloads: ${known.join(', ') || '(none)'}`);
}
