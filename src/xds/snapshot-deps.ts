/**
 * What a generation depended on in the snapshot, so that a later snapshot can be checked for
 * "nothing this output depends on changed" without running the generator again (a VirtualService
 * edit need not recompile every sidecar's clusters). The generator gets a view of the snapshot
 * (an ES Proxy) that logs the members it touches. Two members that take the proxy and memoize
 * by its namespace and labels, `sidecarScope` and `visibleServices`, are called with the real
 * proxy instead and logged as `call` reads (proxy-reads.ts) answered by a fingerprint of their
 * result: the output then depends on that result, not on every label the memo key reads, which
 * lets the sidecars of a namespace share route configurations.
 *
 * A later snapshot leaves the output valid when every member touched is unaffected by the kinds
 * changed since (the table in `memberUnchanged`, which restates what model/snapshot.ts builds
 * each member from; a member it does not list counts as changed) and every `call` read gives the
 * same fingerprint. Fingerprints: an array by the identity of its elements (registry objects are
 * reused by a snapshot rebuilt without registry changes), anything else by its JSON. Snapshot
 * data is immutable, so fingerprints are memoized per object. No I/O.
 */
import type { Proxy, Snapshot } from '../model/types.js';
/** Where call reads go: ReadRecorder, or a stand-in when proxy reads are not recorded. */
export interface CallSink {
  /** The proxy behind `view`, when `view` is the proxy the generation is for. */
  unwrap(view: unknown): object | undefined;
  noteCall(key: string, answer: string): void;
}

/** Snapshot methods logged as `call` reads when called with the proxy. */
export const PROXY_CALLS: ReadonlySet<string> = new Set(['sidecarScope', 'visibleServices']);

/** Members answered from the registry alone. */
const REGISTRY_MEMBERS: ReadonlySet<string> = new Set(['registry', 'servicesByHost', 'service', 'endpoints', 'workloadByAddress', 'endpointsAt']);

/** What one generation touched, independent of the proxy except for call answers. */
export interface SnapshotDeps {
  /** Members touched (a PROXY_CALLS member called with another argument appears as `name()`). */
  readonly members: ReadonlySet<string>;
  /** `call` reads with their answers for the proxy the output was made for. */
  readonly calls: readonly { key: string; answer: string }[];
}

/** What changed between two snapshots: kinds (undefined: anything) and whether the registry is another. */
export interface SnapshotDelta {
  kinds: ReadonlySet<string> | undefined;
  registryChanged: boolean;
}

const ids = new WeakMap<object, number>();
let nextId = 0;
const prints = new WeakMap<object, string>();

function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = ++nextId));
  return id;
}

/** A value as a string: equal strings mean the generator sees an equivalent value. */
export function fingerprint(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'u' : `p${JSON.stringify(v)}`;
  let f = prints.get(v);
  if (f === undefined) {
    f = Array.isArray(v)
      ? `a${v.map((x: unknown) => (x !== null && typeof x === 'object' ? `#${idOf(x)}` : JSON.stringify(x) ?? 'u')).join(',')}`
      : `j${JSON.stringify(v)}`;
    prints.set(v, f);
  }
  return f;
}

/** The answer of a `call` read for `proxy` on `snapshot`. */
export function callAnswer(snapshot: Snapshot, key: string, proxy: object): string {
  const fn = (snapshot as unknown as Record<string, unknown>)[key];
  if (typeof fn !== 'function') return 'missing';
  return fingerprint((fn as (p: Proxy) => unknown).call(snapshot, proxy as Proxy));
}

/** Records a generation's snapshot reads; `view` is what the generator gets. */
export class SnapshotRecorder {
  private readonly touched = new Set<string>();
  private readonly callList: { key: string; answer: string }[] = [];
  private readonly wrappers = new Map<string, unknown>();
  private active = true;
  readonly view: Snapshot;

  constructor(snapshot: Snapshot, private readonly proxyView: object, private readonly reads: CallSink) {
    this.view = new Proxy(snapshot, {
      get: (t, k) => {
        const v: unknown = Reflect.get(t, k);
        if (typeof k !== 'string' || !this.active) return v;
        if (PROXY_CALLS.has(k) && typeof v === 'function') return this.wrapper(t, k, v as (...a: unknown[]) => unknown);
        this.touched.add(k);
        return v;
      },
      has: (t, k) => {
        if (typeof k === 'string' && this.active) this.touched.add(k);
        return Reflect.has(t, k);
      },
      ownKeys: (t) => {
        if (this.active) this.touched.add('*');
        return Reflect.ownKeys(t);
      },
    });
  }

  get deps(): SnapshotDeps {
    return { members: new Set(this.touched), calls: [...this.callList] };
  }

  stop(): void {
    this.active = false;
  }

  private wrapper(t: Snapshot, k: string, fn: (...a: unknown[]) => unknown): unknown {
    let w = this.wrappers.get(k);
    if (!w) {
      w = (...args: unknown[]) => {
        const raw = args.length === 1 && args[0] === this.proxyView ? this.reads.unwrap(this.proxyView) : undefined;
        if (!raw || !this.active) {
          if (this.active) this.touched.add(`${k}()`);
          return fn.apply(t, args);
        }
        const result = fn.call(t, raw);
        const answer = fingerprint(result);
        if (!this.callList.some((c) => c.key === k)) this.callList.push({ key: k, answer });
        this.reads.noteCall(k, answer);
        return result;
      };
      this.wrappers.set(k, w);
    }
    return w;
  }
}

/** Whether `kind` may have changed (a module-level function: this runs per proxy, type and member). */
function changed(d: SnapshotDelta, kind: string): boolean {
  return d.kinds === undefined || d.kinds.has(kind);
}

function memberUnchanged(m: string, d: SnapshotDelta): boolean {
  if (REGISTRY_MEMBERS.has(m)) return !d.registryChanged;
  switch (m) {
    case 'virtualServices':
    case 'virtualServicesFor':
      return !changed(d, 'VirtualService');
    case 'destinationRules':
      return !changed(d, 'DestinationRule');
    case 'destinationRule': // the rule for a host, whose namespace comes from the registry
      return !changed(d, 'DestinationRule') && !d.registryChanged;
    case 'gateways':
    case 'gatewayServers':
      return !changed(d, 'Gateway');
    case 'sidecars':
    case 'sidecarScope()':
      return !changed(d, 'Sidecar');
    case 'visibleServices()':
      return !changed(d, 'Sidecar') && !changed(d, 'VirtualService') && !d.registryChanged;
    default: // version, anything not listed: assume it changed
      return false;
  }
}

/** Whether output made with `deps` is still what the generator would make on `now` for `proxy`. */
export function stillValid(deps: SnapshotDeps, delta: SnapshotDelta, now: Snapshot, proxy: Proxy): boolean {
  for (const m of deps.members) if (!memberUnchanged(m, delta)) return false;
  for (const c of deps.calls) if (callAnswer(now, c.key, proxy) !== c.answer) return false;
  return true;
}
