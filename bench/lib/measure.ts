/**
 * One benchmark case at one size: render, parse + validate, build the snapshot (each timed once,
 * with the heap it retains when `gc` is exposed), then the timed compile runs (full compileProxy
 * and each of the four compilers alone) and the size of each resource type as JSON and as
 * encoded protobuf. The caller interleaves `runOnce` over all cases.
 */
import type { RawObject } from '../../src/api/resource.js';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { encodeResource } from '../../src/api/xds/index.js';
import { compileClusters, compileEndpoints, compileListeners, compileProxy, compileRoutes, edsNames, rdsNames, type ProxyConfig } from '../../src/compile/index.js';
import { loadTexts } from '../../src/config/load.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';
import { benchProxy, renderCase, type BenchCase } from './cases.js';

export const PARTS = ['full', 'listeners', 'routes', 'clusters', 'endpoints'] as const;
export type Part = (typeof PARTS)[number];
export const TYPES = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
export type ResourceType = (typeof TYPES)[number];

const TYPE_URL: Record<ResourceType, string> = {
  listeners: TypeUrl.Listener,
  routes: TypeUrl.RouteConfiguration,
  clusters: TypeUrl.Cluster,
  endpoints: TypeUrl.ClusterLoadAssignment,
};

export interface TypeSize {
  count: number;
  jsonBytes: number;
  protoBytes: number;
  /** Resources that failed to encode (their JSON size still counts). */
  encodeErrors: number;
  firstError?: string;
}

export interface Heap {
  /** Parsed + validated objects (loadTexts result). */
  configBytes: number;
  /** The snapshot, with the config objects it keeps and its memoised per-proxy answers. */
  snapshotBytes: number;
  /** One compiled ProxyConfig. */
  outputBytes: number;
}

export interface CaseRun {
  bench: BenchCase;
  services: number;
  instances: number;
  objects: number;
  invalid: number;
  invalidSample: string[];
  skipped: Record<string, number>;
  failures: number;
  failureSample: string[];
  renderMs: number;
  loadMs: number;
  snapshotMs: number;
  /** The first compileProxy on a fresh snapshot (includes the memoised sidecar scope / visibility). */
  coldMs: number;
  heap?: Heap;
  sizes: Record<ResourceType, TypeSize>;
  samples: Record<Part, number[]>;
  snapshot: Snapshot;
  proxy: Proxy;
  rds: string[];
  eds: string[];
  error?: string;
}

let held: string | undefined;

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  gc!();
  return process.memoryUsage().heapUsed;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function sizeOf(type: ResourceType, resources: readonly object[]): TypeSize {
  const out: TypeSize = { count: resources.length, jsonBytes: 0, protoBytes: 0, encodeErrors: 0 };
  for (const r of resources) {
    out.jsonBytes += Buffer.byteLength(JSON.stringify(r));
    try {
      out.protoBytes += encodeResource(r, TYPE_URL[type]).length;
    } catch (e) {
      out.encodeErrors++;
      out.firstError ??= `${(r as { name?: string; clusterName?: string }).name ?? (r as { clusterName?: string }).clusterName}: ${(e as Error).message}`;
    }
  }
  return out;
}

/** Renders, loads and snapshots one case; times a cold compile; measures sizes and heap. */
export function setupCase(bench: BenchCase, services: number, instances: number): CaseRun {
  let t0 = process.hrtime.bigint();
  const text = renderCase(bench, services, instances);
  const renderMs = ms(t0);
  held = text; // the rendered text stays alive across all heap readings, so it cancels out

  const h0 = gc ? heapAfterGc() : 0;
  t0 = process.hrtime.bigint();
  let cfg: ReturnType<typeof loadTexts> | undefined = loadTexts([{ file: `${bench.name}.yaml`, text }], { defaultNamespace: 'default' });
  const loadMs = ms(t0);
  const h1 = gc ? heapAfterGc() : 0;

  const valid: RawObject[] = cfg.objects.filter((o) => o.valid).map((o) => o.raw);
  const invalidObjs = cfg.objects.filter((o) => !o.valid);
  const skipped: Record<string, number> = {};
  for (const s of cfg.skipped) skipped[s.kind] = (skipped[s.kind] ?? 0) + 1;
  const info = {
    objects: cfg.objects.length,
    invalid: invalidObjs.length,
    invalidSample: invalidObjs.slice(0, 2).map((o) => `${o.raw.kind} ${o.raw.metadata.name}: ${o.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`),
    skipped,
    failures: cfg.failures.length,
    failureSample: [...new Set(cfg.failures.map((f) => f.message))].slice(0, 2),
  };
  cfg = undefined;

  t0 = process.hrtime.bigint();
  const snapshot = buildSnapshot(valid);
  const snapshotMs = ms(t0);
  valid.length = 0; // from here on only the snapshot holds the config objects

  const proxy = benchProxy(bench.proxyType);
  const empty = (): TypeSize => ({ count: 0, jsonBytes: 0, protoBytes: 0, encodeErrors: 0 });
  const base = {
    bench, services, instances, ...info, renderMs, loadMs, snapshotMs, snapshot, proxy,
    samples: { full: [], listeners: [], routes: [], clusters: [], endpoints: [] } as Record<Part, number[]>,
  };
  let out: ProxyConfig | undefined;
  try {
    t0 = process.hrtime.bigint();
    out = compileProxy(snapshot, proxy);
  } catch (e) {
    held = undefined;
    return { ...base, coldMs: NaN, rds: [], eds: [], sizes: { listeners: empty(), routes: empty(), clusters: empty(), endpoints: empty() }, error: (e as Error).stack ?? String(e) };
  }
  const coldMs = ms(t0);
  if (!gc) held = undefined;
  let heap: Heap | undefined;
  if (gc) {
    const h2 = heapAfterGc();
    const sizes = { listeners: sizeOf('listeners', out.listeners), routes: sizeOf('routes', out.routes), clusters: sizeOf('clusters', out.clusters), endpoints: sizeOf('endpoints', out.endpoints) };
    const rds = rdsNames(out.listeners);
    const eds = edsNames(out.clusters);
    out = undefined;
    const h3 = heapAfterGc();
    heap = { configBytes: h1 - h0, snapshotBytes: h3 - h0, outputBytes: h2 - h3 };
    held = undefined;
    return { ...base, coldMs, heap, sizes, rds, eds };
  }
  const sizes = { listeners: sizeOf('listeners', out.listeners), routes: sizeOf('routes', out.routes), clusters: sizeOf('clusters', out.clusters), endpoints: sizeOf('endpoints', out.endpoints) };
  return { ...base, coldMs, sizes, rds: rdsNames(out.listeners), eds: edsNames(out.clusters) };
}

let sink = 0;

/** One timed pass: the full compile, then each compiler alone. Appends to `samples` when `record`. */
export function runOnce(c: CaseRun, record: boolean): void {
  if (c.error) return;
  const { snapshot: s, proxy: p } = c;
  const steps: [Part, () => { length: number } | ProxyConfig][] = [
    ['full', () => compileProxy(s, p)],
    ['listeners', () => compileListeners(s, p)],
    ['routes', () => compileRoutes(s, p, c.rds)],
    ['clusters', () => compileClusters(s, p)],
    ['endpoints', () => compileEndpoints(s, p, c.eds)],
  ];
  for (const [part, fn] of steps) {
    const t0 = process.hrtime.bigint();
    const r = fn();
    const t = ms(t0);
    sink += 'length' in r ? r.length : r.clusters.length;
    if (record) c.samples[part].push(t);
  }
}

export function sinkValue(): number {
  return sink;
}

/** Encodes one small resource of each type, so the protos are loaded before any measurement. */
export function warmEncoder(): void {
  for (const t of TYPES) {
    try {
      encodeResource(t === 'endpoints' ? { clusterName: 'x' } : { name: 'x' }, TYPE_URL[t]);
    } catch {
      // a failure here shows up again, with its message, in the case that hits it
    }
  }
}
