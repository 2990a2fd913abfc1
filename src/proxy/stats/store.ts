/**
 * The proxy's Envoy-style stats: counters, gauges and histograms named with Envoy's dotted names
 * (`cluster.outbound|8080||x.upstream_rq_200`, `http.outbound_0.0.0.0_8080.downstream_rq_total`,
 * `listener.0.0.0.0_8080.downstream_cx_total`, `cluster_manager.cds.update_success`), created
 * once through a Scope and then bumped on the hot path by reference (no lookups, no strings).
 *
 * Each stat also carries its Prometheus identity, worked out once at creation the way Envoy's
 * tag extractors (with Istio's bootstrap tag names) do: the scope's name becomes a label
 * (`cluster_name`, `http_conn_manager_prefix`, `listener_address`) and a trailing status code a
 * `response_code` / `response_code_class` label, so `cluster.X.upstream_rq_200` is rendered as
 * `envoy_cluster_upstream_rq{response_code="200",cluster_name="X"}`. Rendering lives in
 * prometheus.ts and text.ts; nothing here does I/O or reads a clock.
 */

export type StatKind = 'counter' | 'gauge' | 'histogram';

/** Envoy's default histogram buckets (milliseconds), also Istio's for request duration. */
export const DEFAULT_BUCKETS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

/** Prometheus identity of a stat: family name and its labels (already escaped, in order). */
export interface PromId {
  readonly family: string;
  readonly labels: readonly (readonly [string, string])[];
}

export class Counter {
  readonly kind = 'counter' as const;
  value = 0;
  constructor(readonly name: string, readonly prom: PromId) {}
  inc(by = 1): void {
    this.value += by;
  }
}

export class Gauge {
  readonly kind = 'gauge' as const;
  value = 0;
  constructor(readonly name: string, readonly prom: PromId) {}
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
  set(v: number): void {
    this.value = v;
  }
}

/** A cumulative histogram over fixed upper bounds (plus +Inf). */
export class Histogram {
  readonly kind = 'histogram' as const;
  /** counts[i]: observations ≤ bounds[i] and > bounds[i-1]; counts[bounds.length]: the rest. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly name: string, readonly prom: PromId, readonly bounds: readonly number[] = DEFAULT_BUCKETS) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }
  record(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
  /** Cumulative counts per bound, then the total (+Inf). */
  cumulative(): number[] {
    const out: number[] = [];
    let acc = 0;
    for (const c of this.counts) out.push((acc += c));
    return out;
  }
  /** The upper bound of the bucket holding quantile q (0..1), NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const target = q * this.count;
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i]!;
      if (acc >= target && acc > 0) return i < this.bounds.length ? this.bounds[i]! : Infinity;
    }
    return Infinity;
  }
}

export type Stat = Counter | Gauge | Histogram;

/** Scope kinds with the Prometheus label their name becomes (Istio's bootstrap stats_tags). */
const SCOPE_TAG: Readonly<Record<string, string>> = {
  cluster: 'cluster_name',
  http: 'http_conn_manager_prefix',
  listener: 'listener_address',
};

const CODE = /^(.*_rq)_(\d{3})$/;
const CODE_CLASS = /^(.*_rq)_(\dxx)$/;

/** Prometheus metric-name characters only (Envoy's sanitizer: others become `_`). */
export function promName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_:]/g, '_');
}

function promIdFor(root: string, scopeName: string | undefined, suffix: string): PromId {
  const labels: [string, string][] = [];
  let rest = suffix;
  const code = CODE.exec(rest);
  const cls = code ? null : CODE_CLASS.exec(rest);
  if (code) {
    rest = code[1]!;
    labels.push(['response_code', code[2]!]);
  } else if (cls) {
    rest = cls[1]!;
    labels.push(['response_code_class', cls[2]!]);
  }
  const tag = SCOPE_TAG[root];
  if (tag && scopeName !== undefined) labels.push([tag, scopeName]);
  const family = promName(`envoy_${tag && scopeName !== undefined ? `${root}_${rest}` : [root, scopeName, rest].filter((x) => x !== undefined && x !== '').join('_')}`);
  return { family, labels };
}

/** A named group of stats (`cluster.NAME.`); create stats once, keep the references. */
export class Scope {
  constructor(private readonly store: StatsStore, readonly root: string, readonly scopeName?: string) {}

  private fullName(suffix: string): string {
    return this.scopeName === undefined ? `${this.root}.${suffix}` : `${this.root}.${this.scopeName}.${suffix}`;
  }

  counter(suffix: string): Counter {
    return this.store.getOrCreate(this.fullName(suffix), () => new Counter(this.fullName(suffix), promIdFor(this.root, this.scopeName, suffix)), 'counter');
  }

  gauge(suffix: string): Gauge {
    return this.store.getOrCreate(this.fullName(suffix), () => new Gauge(this.fullName(suffix), promIdFor(this.root, this.scopeName, suffix)), 'gauge');
  }

  histogram(suffix: string, bounds?: readonly number[]): Histogram {
    return this.store.getOrCreate(this.fullName(suffix), () => new Histogram(this.fullName(suffix), promIdFor(this.root, this.scopeName, suffix), bounds), 'histogram');
  }
}

export class StatsStore {
  private readonly stats = new Map<string, Stat>();
  private readonly scopes = new Map<string, Scope>();

  /** `scope('cluster', 'outbound|8080||x')`, `scope('cluster_manager')`; cached. */
  scope(root: string, name?: string): Scope {
    const key = name === undefined ? root : `${root}\u0000${name}`;
    let s = this.scopes.get(key);
    if (!s) this.scopes.set(key, (s = new Scope(this, root, name)));
    return s;
  }

  /** @internal Scopes call this; a name keeps the kind it was first created with. */
  getOrCreate<T extends Stat>(name: string, make: () => T, kind: StatKind): T {
    const existing = this.stats.get(name);
    if (existing) {
      if (existing.kind !== kind) throw new Error(`stat ${name} is a ${existing.kind}, not a ${kind}`);
      return existing as T;
    }
    const s = make();
    this.stats.set(name, s);
    return s;
  }

  get(name: string): Stat | undefined {
    return this.stats.get(name);
  }

  /** Every stat, sorted by name (Envoy's /stats order). */
  all(): Stat[] {
    return [...this.stats.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
