/**
 * The DNS cache for DNS ServiceEntries: an asynchronous, periodically refreshed map from hostname
 * to resolved IPs. The registry keeps DNS clusters on the hostname (STRICT_DNS / LOGICAL_DNS, as
 * Istio does); these results are informational (`Endpoint.resolvedAddresses`, `explain`, the
 * local runner's DNS proxy). The resolver and the clock are injectable so tests are exact; a
 * failed lookup keeps the last good answer. No timers unless `start()` is called.
 */
import { lookup } from 'node:dns/promises';
import type { Registry } from './types.js';
import { isIp } from './objects.js';

export type Resolver = (hostname: string) => Promise<readonly string[]>;

export interface DnsClock {
  /** Milliseconds. */
  now(): number;
}

export interface DnsCacheOptions {
  resolve?: Resolver;
  clock?: DnsClock;
  /** How old an answer may get before it is looked up again. Default 60s (Istio's dnsRefreshRate). */
  refreshMs?: number;
  /** Called after a refresh that changed any answer. */
  onChange?: (results: ReadonlyMap<string, readonly string[]>) => void;
}

interface Entry {
  addresses: readonly string[];
  /** When the entry was last looked up (successfully or not); -Infinity = never. */
  checkedAt: number;
  error?: string;
}

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Hostnames a registry needs resolved: endpoint addresses of DNS services that are not IPs. */
export function dnsHostnames(registry: Registry): string[] {
  const dnsServices = new Set(registry.services
    .filter((s) => s.resolution === 'DNS' || s.resolution === 'DNS_ROUND_ROBIN')
    .map((s) => `${s.namespace}|${s.hostname}`));
  const out = new Set<string>();
  for (const e of registry.endpoints) {
    if (!dnsServices.has(`${e.serviceNamespace}|${e.hostname}`)) continue;
    if (e.address && !isIp(e.address) && !e.address.startsWith('unix://')) out.add(e.address);
  }
  return [...out].sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly resolve: Resolver;
  private readonly clock: DnsClock;
  private readonly refreshMs: number;
  private readonly onChange?: (results: ReadonlyMap<string, readonly string[]>) => void;
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(opts: DnsCacheOptions = {}) {
    this.resolve = opts.resolve ?? systemResolver;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.refreshMs = opts.refreshMs ?? 60_000;
    this.onChange = opts.onChange;
  }

  /** Sets the hostnames to keep resolved; others are forgotten. New ones are due at once. */
  track(hostnames: Iterable<string>): void {
    const want = new Set(hostnames);
    for (const h of [...this.entries.keys()]) if (!want.has(h)) this.entries.delete(h);
    for (const h of want) if (!this.entries.has(h)) this.entries.set(h, { addresses: [], checkedAt: -Infinity });
  }

  /** The current answers (hosts never resolved successfully are absent), sorted by hostname. */
  results(): ReadonlyMap<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const h of [...this.entries.keys()].sort()) {
      const e = this.entries.get(h)!;
      if (e.addresses.length > 0) out.set(h, e.addresses);
    }
    return out;
  }

  /** The last lookup error of a hostname, if its last lookup failed. */
  error(hostname: string): string | undefined {
    return this.entries.get(hostname)?.error;
  }

  /**
   * Looks up every tracked hostname whose answer is older than the refresh interval (all of
   * them with `force`). Resolves to whether any answer changed. Concurrent calls share one run.
   */
  refresh(force = false): Promise<boolean> {
    if (!this.inFlight) {
      this.inFlight = this.run(force).finally(() => { this.inFlight = undefined; });
    }
    return this.inFlight;
  }

  private async run(force: boolean): Promise<boolean> {
    const now = this.clock.now();
    const due = [...this.entries].filter(([, e]) => force || now - e.checkedAt >= this.refreshMs).map(([h]) => h);
    let changed = false;
    await Promise.all(due.map(async (h) => {
      let addresses: readonly string[] | undefined;
      let error: string | undefined;
      try {
        addresses = [...new Set(await this.resolve(h))].sort();
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const entry = this.entries.get(h);
      if (!entry) return; // untracked meanwhile
      const next: Entry = { addresses: addresses ?? entry.addresses, checkedAt: now, ...(error ? { error } : {}) };
      if (!sameList(next.addresses, entry.addresses)) changed = true;
      this.entries.set(h, next);
    }));
    if (changed) this.onChange?.(this.results());
    return changed;
  }

  /** Refreshes every `intervalMs` (default: the refresh interval) with a real timer. */
  start(intervalMs = this.refreshMs): void {
    this.stop();
    void this.refresh();
    this.timer = setInterval(() => { void this.refresh(); }, intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
