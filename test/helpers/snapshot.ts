/**
 * Test helper: a Snapshot from inline YAML or from example files, and the Proxy of a named
 * workload in it. Invalid input makes the helper throw with every validation error listed, so a
 * test never silently runs on less config than it thinks.
 *
 *   const snap = snapshotFrom(['examples/001-sidecar-canary']);
 *   const proxy = proxyFor(snap, 'default/proxy');          // Deployment → its first replica
 *   const gw = proxyFor(snap, 'istio-system/istio-ingressgateway');
 *
 * A directory is read recursively (sorted, like `trellis validate -R -f`) EXCEPT its `steps/`
 * folders: in examples/ those are overlays of the base scenario, applied by naming them:
 *   snapshotFrom(['examples/001-sidecar-canary', 'examples/001-sidecar-canary/steps/02-sidecar-registry-only'])
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadPaths, loadTexts, type LoadedConfig } from '../../src/config/load.js';
import { buildSnapshot, type SnapshotOptions } from '../../src/model/snapshot.js';
import { proxyForWorkload } from '../../src/model/proxy.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';

function looksLikePaths(input: string | string[]): boolean {
  if (Array.isArray(input)) return true;
  if (input.includes('\n') || input.includes(':')) return false;
  try {
    statSync(input);
    return true;
  } catch {
    return false;
  }
}

const CONFIG_EXT = /\.(ya?ml|json)$/i;

/** Files under `path` (itself if a file), sorted, skipping `steps/` overlay folders below the top. */
function expand(path: string, out: string[]): void {
  if (!statSync(path).isDirectory()) {
    out.push(path);
    return;
  }
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'steps' && e.name !== 'node_modules' && !e.name.startsWith('.')) expand(p, out);
    } else if (CONFIG_EXT.test(e.name)) {
      out.push(p);
    }
  }
}

function load(input: string | string[]): LoadedConfig {
  if (looksLikePaths(input)) {
    const files: string[] = [];
    for (const p of Array.isArray(input) ? input : [input]) expand(p, files);
    return loadPaths(files);
  }
  return loadTexts([{ file: 'inline.yaml', text: input as string }]);
}

/** A snapshot of YAML text, or of files/directories (in the order given; later objects replace earlier ones). */
export function snapshotFrom(input: string | string[], opts: SnapshotOptions = {}): Snapshot {
  const cfg = load(input);
  const problems = [
    ...cfg.failures.map((f) => `${f.file}: ${f.message}`),
    ...cfg.objects.filter((o) => !o.valid).map((o) =>
      `${o.raw.origin.file}:${o.raw.origin.line} ${o.raw.kind} ${o.raw.metadata.namespace}/${o.raw.metadata.name}: ` +
      o.errors.map((e) => `${e.field}: ${e.message}`).join('; ')),
  ];
  if (problems.length > 0) throw new Error(`snapshotFrom: invalid input\n  ${problems.join('\n  ')}`);
  return buildSnapshot(cfg.objects.map((o) => o.raw), opts);
}

/**
 * The Proxy of `ns/name`: a Deployment (its first replica), WorkloadEntry, Pod, or a replica by
 * pod name (`ns/demoappv10-1`); `istio-system/istio-ingressgateway|istio-egressgateway` for the
 * built-in gateways.
 */
export function proxyFor(snapshot: Snapshot, ref: string): Proxy {
  const slash = ref.indexOf('/');
  if (slash < 0) throw new Error(`proxyFor: expected ns/name, got ${JSON.stringify(ref)}`);
  const ns = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const inNs = snapshot.registry.workloads.filter((w) => w.namespace === ns);
  const w = inNs.find((x) => x.name === name) ?? inNs.find((x) => x.podName === name);
  if (!w) {
    const known = snapshot.registry.workloads.map((x) => `${x.namespace}/${x.name}`);
    throw new Error(`proxyFor: no workload ${ref}; known: ${[...new Set(known)].join(', ')}`);
  }
  return proxyForWorkload(w, snapshot);
}
