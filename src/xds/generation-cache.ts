/**
 * Generates the resources of one type for one proxy, sharing work between proxies and streams.
 *
 * - Output sharing: a Generator is a pure function of (snapshot, proxy, requested names), so two
 *   proxies that would read the same values of their Proxy get the same output. The generator
 *   runs on a recording view of the proxy (proxy-reads.ts); the output is kept under the answers
 *   to those reads, and a later proxy whose answers to the same reads are equal gets it without
 *   running the generator. Sidecars of one workload (same namespace and labels) thus share RDS
 *   whenever the compiler does not read their IP for it, whatever the compiler's internals are.
 *   Kept for the snapshot in effect only; a new snapshot starts afresh.
 * - Incremental EDS (Istio's): after an endpoints-only change naming the hosts it touched, a
 *   stream's previous assignments are kept but for the changed hosts' clusters, which alone are
 *   regenerated (unless the proxy's own workload changed and its locality is not resolved on
 *   the Proxy: the generator then reads the workload's, which may have changed).
 * - Interning (intern.ts): every resource is serialized once and replaced by the first resource
 *   seen with the same content, in this snapshot or the previous one, and so are the elements of
 *   its top-level arrays; the SotW version is a hash of the resources' hashes. Equal lists are one
 *   array too. Equal resources are then one object across proxies, which is what lets encode.ts
 *   encode each of them once, and what keeps a connection's memory small.
 *
 * - Reuse across snapshots: a stream passes what it generated last (`Basis`); when nothing that
 *   generation read of the snapshot changed since (snapshot-deps.ts), it is returned as is, so
 *   a VirtualService edit does not recompile clusters and endpoints for every proxy.
 * - Parts: a generator made of parts (generators.ts `partedGenerator`) has each part shared and
 *   reused on its own, and their outputs joined (one list per distinct tuple of part outputs):
 *   a sidecar's outbound listeners are shared by its namespace while its inbound ones, which
 *   read its address, are its own and outlive a VirtualService edit.
 *
 * The output is filtered to the requested names and each resource carries `@type` (what
 * `shapeResources` did per stream). Results are shared: callers must not mutate them.
 */
import type { Proxy, Snapshot } from '../model/types.js';
import { partsOf, resourceName } from './generators.js';
import { evaluate, ReadRecorder, type Read } from './proxy-reads.js';
import { SnapshotRecorder, callAnswer, stillValid, type SnapshotDelta, type SnapshotDeps } from './snapshot-deps.js';
import { TypeUrl } from '../api/envoy/common.js';
import { parseClusterName } from '../api/names.js';
import type { EndpointChanges, Generator } from './types.js';
import { ENDPOINTS_KIND } from './types.js';
import { Interner, listVersion, resourceVersion } from './intern.js';

export { listVersion, resourceVersion };

/** One type's resources for one proxy, ready to send. Shared between proxies: never mutate. */
export interface Generated {
  /** Each with `@type`, filtered to the requested names. */
  readonly resources: readonly object[];
  /** SotW version_info: a hash of the list of its resources' content hashes. */
  readonly version: string;
  /** What the generation read of the snapshot (to tell whether a later snapshot changes it). */
  readonly deps?: SnapshotDeps;
  /** For a parted generator: each part's output, joined in `resources` (deps are the parts'). */
  readonly parts?: readonly Generated[];
}

/** Joined outputs by the tuple of part outputs (nested by part). */
interface JoinNode {
  readonly next: WeakMap<Generated, JoinNode>;
  joined?: Generated;
}

/** What a stream last generated for a type: reused while nothing it depends on changed. */
export interface Basis {
  readonly generated: Generated;
  /** Version of the snapshot it is known to be valid for. */
  validAt: string;
  /** `namesKey` of the names it was generated for. */
  readonly names: string;
}

const keysOfNames = new WeakMap<readonly string[], string>();

/** The key of a requested-names list (undefined: wildcard); memoized per list. */
export function namesKey(names: readonly string[] | undefined): string {
  if (names === undefined) return '*';
  let k = keysOfNames.get(names);
  if (k === undefined) keysOfNames.set(names, (k = `=${names.join('\n')}`));
  return k;
}

interface Transition {
  from: string;
  to: string;
  kinds: ReadonlySet<string> | undefined;
  registryChanged: boolean;
  endpoints: EndpointChanges | undefined;
}

/** Snapshot transitions remembered for reuse checks; an output older than these is regenerated. */
const MAX_TRANSITIONS = 64;

/** What is kept per (generator, type, names) for the snapshot in effect. */
interface Bucket {
  sigs: Signature[];
  /** Generator runs and outputs served to another proxy, to stop recording where nothing is shared. */
  generated: number;
  hits: number;
}

/** Runs after which a bucket that never shared output stops recording proxy reads (this snapshot). */
const RECORD_TRIES = 16;

interface Signature {
  /** Identifies the read list (same reads in the same order). */
  readonly id: string;
  readonly reads: readonly Read[];
  /** Output by the answers to `reads`. */
  readonly outputs: Map<string, Generated>;
}

export interface GenerationStats {
  /** A stream's previous output kept: nothing it depends on changed. */
  reused: number;
  /** EDS made from a stream's previous output with only the changed hosts' clusters regenerated. */
  incremental: number;
  /** Served from another proxy's generation. */
  shared: number;
  /** Generator runs. */
  generated: number;
  /**
   * Generator runs whose output could not be shared: unreplayable reads, sharing off, or a
   * (generator, names) whose first runs in this snapshot were never shared, which is then run
   * without recording proxy reads.
   */
  unshareable: number;
}

const hostOfCluster = new Map<string, string | undefined>();

/** The service hostname in an EDS cluster name (`outbound|…|HOST`, SNI-DNAT `outbound_.…_.HOST`). */
function clusterHost(name: string): string | undefined {
  if (hostOfCluster.has(name)) return hostOfCluster.get(name);
  const host = parseClusterName(name)?.hostname ?? /^outbound_\.\d+_\.[^_]*_\.(.+)$/.exec(name)?.[1];
  if (hostOfCluster.size >= 100_000) hostOfCluster.clear();
  hostOfCluster.set(name, host);
  return host;
}

/** Distinct read lists kept per (generator, names); past this, new shapes are not kept. */
const MAX_SIGNATURES = 64;

export class GenerationCache {
  private snapshot: Snapshot | undefined;
  private buckets = new Map<Generator, Map<string, Bucket>>();
  private readonly interner = new Interner();
  /** Resource lists by version: equal lists are one array (encode.ts keeps its bytes). */
  /** Incremental EDS results by (previous list, regenerated part). */
  private merges = new WeakMap<Generated, WeakMap<object, Generated>>();
  /** `callAnswer` bound to the snapshot in effect (made once per snapshot, not per proxy). */
  private call: { snapshot?: Snapshot; fn?: (key: string, root: object) => string } = {};
  private transitions: Transition[] = [];
  /** deltaSince results for the snapshot in effect, by `from` version. */
  private deltas = new Map<string, (SnapshotDelta & { endpoints?: EndpointChanges }) | undefined>();
  /** Stale EDS names by endpoint changes and names key. */
  private staleNames = new WeakMap<EndpointChanges, Map<string, readonly string[]>>();
  private joins: JoinNode = { next: new WeakMap() };
  readonly stats: GenerationStats = { reused: 0, incremental: 0, shared: 0, generated: 0, unshareable: 0 };

  /**
   * `share` false: run the generator for every call: no sharing, reuse or incremental EDS
   * (interning still applies). `recordTries`: runs after which a (generator, names) that never
   * shared output stops recording proxy reads, for the snapshot in effect.
   */
  constructor(private readonly share = true, private readonly recordTries = RECORD_TRIES) {}

  /**
   * The snapshot in effect changed from `prev` to `next` by a change of `kinds` (empty:
   * anything), with `endpoints` naming what an endpoints-only change touched.
   */
  noteTransition(prev: Snapshot, next: Snapshot, kinds: ReadonlySet<string>, endpoints?: EndpointChanges): void {
    this.transitions.push({
      from: prev.version, to: next.version, kinds: kinds.size === 0 ? undefined : kinds,
      registryChanged: prev.registry !== next.registry,
      endpoints: kinds.size === 1 && kinds.has(ENDPOINTS_KIND) ? endpoints : undefined,
    });
    if (this.transitions.length > MAX_TRANSITIONS) this.transitions.splice(0, this.transitions.length - MAX_TRANSITIONS);
    this.deltas = new Map();
  }

  /**
   * The resources of `typeUrl` for `proxy` on `snapshot`: `basis.generated` when nothing it
   * depends on changed since `basis.validAt`; for EDS after endpoint changes, `basis` with the
   * changed hosts' clusters regenerated; else another proxy's equal output; else the
   * generator's. Throws what the generator throws.
   */
  generate(snapshot: Snapshot, typeUrl: string, gen: Generator, proxy: Proxy, names: readonly string[] | undefined, basis?: Basis): Generated {
    if (snapshot !== this.snapshot) this.rotate(snapshot);
    const parts = partsOf(gen);
    if (!parts) return this.generateOne(snapshot, typeUrl, gen, proxy, names, basis);
    const outs = parts.map((part, i) => {
      const previous = basis?.generated.parts?.[i];
      return this.generateOne(snapshot, typeUrl, part, proxy, names, previous && basis && { generated: previous, validAt: basis.validAt, names: basis.names });
    });
    return this.join(outs);
  }

  /** `generate` for a generator without parts. */
  private generateOne(snapshot: Snapshot, typeUrl: string, gen: Generator, proxy: Proxy, names: readonly string[] | undefined, basis?: Basis): Generated {
    const nk = namesKey(names);
    if (this.share && basis && basis.names === nk && basis.generated.deps) {
      const delta = this.deltaSince(basis.validAt, snapshot);
      if (delta && stillValid(basis.generated.deps, delta, snapshot, proxy)) {
        this.stats.reused += 1;
        return basis.generated;
      }
      const inc = delta?.endpoints && this.incrementalEds(snapshot, typeUrl, gen, proxy, names, basis.generated, delta.endpoints);
      if (inc) {
        this.stats.incremental += 1;
        return inc;
      }
    }
    return this.produce(snapshot, typeUrl, gen, proxy, names, nk);
  }

  /** Another proxy's equal output, or the generator's. */
  private produce(snapshot: Snapshot, typeUrl: string, gen: Generator, proxy: Proxy, names: readonly string[] | undefined, nk: string): Generated {
    let byNames = this.buckets.get(gen);
    if (!byNames) this.buckets.set(gen, (byNames = new Map()));
    const bucketKey = `${typeUrl}\u0000${nk}`;
    let bucket = byNames.get(bucketKey);
    if (!bucket) byNames.set(bucketKey, (bucket = { sigs: [], generated: 0, hits: 0 }));
    if (this.share) {
      const call = this.callOn(snapshot);
      for (const sig of bucket.sigs) {
        const key = evaluate(proxy, sig.reads, call);
        const hit = key === undefined ? undefined : sig.outputs.get(key);
        if (hit) {
          this.stats.shared += 1;
          bucket.hits += 1;
          return hit;
        }
      }
    }
    this.stats.generated += 1;
    bucket.generated += 1;
    if (!this.share || (bucket.generated > this.recordTries && bucket.hits === 0)) {
      // nothing to share here (each proxy reads its own IP, say): skip the cost of a recording
      // view of the proxy; what the snapshot is read for is still logged, for reuse
      this.stats.unshareable += 1;
      const snap = new SnapshotRecorder(snapshot, proxy, { unwrap: (v) => (v === proxy ? proxy : undefined), noteCall: () => {} });
      try {
        return this.finish(typeUrl, gen(snap.view, proxy, names), names, snap.deps);
      } finally {
        snap.stop();
      }
    }
    const rec = new ReadRecorder();
    const view = rec.view(proxy);
    const snap = new SnapshotRecorder(snapshot, view, rec);
    let out: Generated;
    try {
      const raw = gen(snap.view, view, names);
      // serialized while recording: proxy data embedded in the output is read (and logged) here
      out = this.finish(typeUrl, raw, names, snap.deps);
    } finally {
      rec.stop();
      snap.stop();
    }
    if (!rec.shareable) {
      this.stats.unshareable += 1;
      return out;
    }
    const id = rec.reads.map((r) => `${r.path.join('\u0001')}\u0002${r.op}\u0002${r.key}`).join('\u0003');
    let sig = bucket.sigs.find((x) => x.id === id);
    if (!sig && bucket.sigs.length < MAX_SIGNATURES) bucket.sigs.push((sig = { id, reads: rec.reads, outputs: new Map() }));
    sig?.outputs.set(rec.key, out);
    return out;
  }

  /**
   * EDS for named clusters after endpoints-only changes: the previous assignments, with those of
   * the changed hosts (and of names whose host is unknown) regenerated. Undefined when it does
   * not apply (not EDS, wildcard, the proxy's own workload changed, everything changed).
   */
  private incrementalEds(
    snapshot: Snapshot, typeUrl: string, gen: Generator, proxy: Proxy, names: readonly string[] | undefined,
    previous: Generated, changes: EndpointChanges,
  ): Generated | undefined {
    if (typeUrl !== TypeUrl.ClusterLoadAssignment || names === undefined) return undefined;
    if (proxy.locality === undefined && changes.workloadAddresses.has(proxy.ip)) return undefined;
    let byNames = this.staleNames.get(changes);
    if (!byNames) this.staleNames.set(changes, (byNames = new Map()));
    const nk = namesKey(names);
    let stale = byNames.get(nk);
    if (!stale) {
      stale = names.filter((n) => {
        const host = clusterHost(n);
        return host === undefined || changes.hosts.has(host);
      });
      byNames.set(nk, stale);
    }
    if (stale.length === names.length) return undefined;
    const part = stale.length > 0 ? this.produce(snapshot, typeUrl, gen, proxy, stale, namesKey(stale)) : undefined;
    // one merge per (previous output, regenerated part): shared by every proxy with both
    let byPart = this.merges.get(previous);
    if (!byPart) this.merges.set(previous, (byPart = new WeakMap()));
    let merged = byPart.get(part ?? NO_PART);
    if (!merged) {
      const partList = part?.resources ?? [];
      const staleSet = new Set(stale);
      const fresh = new Map(partList.map((r) => [resourceName(r), r] as const));
      const kept = new Map(previous.resources.map((r) => [resourceName(r), r] as const));
      const list: object[] = [];
      for (const n of names) {
        const r = staleSet.has(n) ? fresh.get(n) : kept.get(n);
        if (r) list.push(r);
      }
      const resources = this.interner.list(list, listVersion(list));
      const deps = part?.deps ? mergeDeps(previous.deps!, part.deps) : previous.deps!;
      merged = { resources, version: listVersion(resources), deps };
      byPart.set(part ?? NO_PART, merged);
    }
    return merged;
  }

  /** `callAnswer` on `snapshot`, as `evaluate` wants it. */
  private callOn(snapshot: Snapshot): (key: string, root: object) => string {
    if (this.call.snapshot !== snapshot || !this.call.fn) this.call = { snapshot, fn: (key, root) => callAnswer(snapshot, key, root) };
    return this.call.fn!;
  }

  /** The part outputs as one output; the same object for the same tuple of part outputs. */
  private join(outs: readonly Generated[]): Generated {
    let node = this.joins;
    for (const g of outs) {
      let n = node.next.get(g);
      if (!n) node.next.set(g, (n = { next: new WeakMap() }));
      node = n;
    }
    if (!node.joined) {
      const list = outs.flatMap((g) => g.resources);
      const version = listVersion(list);
      node.joined = { resources: this.interner.list(list, version), version, parts: outs };
    }
    return node.joined;
  }


  /**
   * What changed from the snapshot of version `from` to `now`; undefined when unknown or
   * anything. `endpoints` when every change since was endpoints-only with known hosts.
   */
  private deltaSince(from: string, now: Snapshot): SnapshotDelta & { endpoints?: EndpointChanges } | undefined {
    if (from === now.version) return { kinds: new Set(), registryChanged: false };
    if (this.deltas.has(from)) return this.deltas.get(from);
    const d = this.computeDelta(from, now);
    this.deltas.set(from, d);
    return d;
  }

  private computeDelta(from: string, now: Snapshot): SnapshotDelta & { endpoints?: EndpointChanges } | undefined {
    const kinds = new Set<string>();
    let registryChanged = false;
    let hosts: Set<string> | undefined = new Set();
    let addresses = new Set<string>();
    for (let i = this.transitions.length - 1; i >= 0; i--) {
      const t = this.transitions[i]!;
      if (i === this.transitions.length - 1 && t.to !== now.version) return undefined;
      if (!t.kinds) return undefined;
      for (const k of t.kinds) kinds.add(k);
      registryChanged ||= t.registryChanged;
      if (hosts && t.endpoints) {
        for (const h of t.endpoints.hosts) hosts.add(h);
        addresses = new Set([...addresses, ...t.endpoints.workloadAddresses]);
      } else {
        hosts = undefined;
      }
      if (t.from === from) {
        return { kinds, registryChanged, ...(hosts ? { endpoints: { hosts, workloadAddresses: addresses } } : {}) };
      }
    }
    return undefined;
  }

  private rotate(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.buckets = new Map();
    this.interner.rotate();
    this.deltas = new Map();
  }

  private finish(typeUrl: string, raw: readonly object[], names: readonly string[] | undefined, deps: SnapshotDeps): Generated {
    const wanted = names === undefined ? undefined : new Set(names);
    const resources: object[] = [];
    for (const r of raw) {
      if (wanted && !wanted.has(resourceName(r))) continue;
      const shaped = '@type' in r ? r : { '@type': typeUrl, ...r };
      resources.push(this.interner.resource(shaped));
    }
    const version = listVersion(resources);
    return { resources: this.interner.list(resources, version), version, deps };
  }
}

/** Stands for "nothing regenerated" in the merge table. */
const NO_PART: object = {};

function mergeDeps(a: SnapshotDeps, b: SnapshotDeps): SnapshotDeps {
  const calls = [...a.calls];
  for (const c of b.calls) {
    const i = calls.findIndex((x) => x.key === c.key);
    if (i >= 0) calls[i] = c;
    else calls.push(c);
  }
  return { members: new Set([...a.members, ...b.members]), calls };
}
