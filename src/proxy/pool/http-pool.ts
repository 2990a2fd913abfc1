/**
 * The connection pool of one upstream cluster for HTTP/1.1, on raw sockets (h1-connection.ts):
 * per host a LIFO stack of idle keep-alive connections, reused first; a new connection when none
 * is idle and the cluster is under its connection cap (the circuit breaker's maxConnections),
 * otherwise the request waits, in order, for one to be released. Configured from the Cluster:
 * connectTimeout, commonHttpProtocolOptions.idleTimeout (idle connections are closed after it, by
 * one sweep timer per pool) and maxRequestsPerConnection (the last request on a connection is
 * sent with `Connection: close`), upstreamConnectionOptions.tcpKeepalive, upstreamBindConfig's
 * source address (upstream/bind.ts). Counts each host's open
 * connections (`Host.activeConnections`). A request that cannot get a connection because the
 * connect fails or times out fails with `connect-failure`.
 * Must not decide routing, retries or circuit breaking; it only carries one attempt.
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import { HTTP_PROTOCOL_OPTIONS_KEY } from '../../api/envoy/cluster.js';
import type { RequestBody } from '../http1/body.js';
import { durationMs } from '../router/duration.js';
import { clusterSourceAddress } from '../upstream/bind.js';
import type { Headers } from '../router/headers.js';
import type { Host } from '../upstream/host.js';
import { AttemptFailure, H1Connection, type ConnectionOwner, type Exchange, type UpstreamResponse } from './h1-connection.js';

export { AttemptFailure, type AttemptError, type UpstreamResponse } from './h1-connection.js';

export interface PoolSettings {
  connectTimeoutMs: number;
  /** 0: no idle timeout. */
  idleTimeoutMs: number;
  /** 0: unlimited. */
  maxRequestsPerConnection: number;
  /** TCP keepalive initial delay (ms), or undefined when TCP keepalive is off. */
  keepAliveMs?: number;
  maxConnections: number;
  /** upstream_bind_config's source address (upstream/bind.ts). */
  sourceAddress?: string;
}

export function poolSettings(c: Cluster, maxConnections: number): PoolSettings {
  const opts = c.typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY]?.commonHttpProtocolOptions;
  const ka = c.upstreamConnectionOptions?.tcpKeepalive;
  return {
    connectTimeoutMs: durationMs(c.connectTimeout, 5000),
    // Envoy's upstream idle timeout default is 1 h; keep-alive sockets are closed after it.
    idleTimeoutMs: durationMs(opts?.idleTimeout, 3_600_000),
    maxRequestsPerConnection: opts?.maxRequestsPerConnection ?? 0,
    keepAliveMs: ka ? (ka.keepaliveTime ?? 7200) * 1000 : undefined,
    maxConnections: Math.min(maxConnections, 1_000_000),
    sourceAddress: clusterSourceAddress(c),
  };
}

export interface AttemptOptions {
  host: Host;
  method: string;
  /** Path with query, as sent upstream. */
  path: string;
  headers: Headers;
  body: RequestBody | undefined;
}

/** One attempt in a pool: `response` settles when the response head arrives or the attempt fails. */
export class PoolRequest implements Exchange {
  readonly host: Host;
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: RequestBody | undefined;
  readonly response: Promise<UpstreamResponse>;
  done = false;
  conn: H1Connection | undefined;
  /** A connection being opened on this request's behalf. */
  opening: H1Connection | undefined;
  private resolve!: (r: UpstreamResponse) => void;
  private reject!: (e: AttemptFailure) => void;

  constructor(private readonly pool: HttpPool, o: AttemptOptions) {
    this.host = o.host;
    this.method = o.method;
    this.path = o.path;
    this.headers = o.headers;
    this.body = o.body;
    this.response = new Promise<UpstreamResponse>((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
  }

  settle(err: AttemptFailure | undefined, res: UpstreamResponse | undefined): void {
    if (this.done) return;
    this.done = true;
    if (err) this.reject(err);
    else this.resolve(res!);
  }

  /** Cancels the attempt before its response head (per-try timeout, downstream gone). */
  abort(): void {
    if (this.done) return;
    if (this.conn) this.conn.abort();
    else {
      this.pool.dequeue(this);
      this.settle(new AttemptFailure('aborted', 'aborted'), undefined);
    }
  }
}

export class HttpPool implements ConnectionOwner {
  private readonly idle = new Map<string, H1Connection[]>();
  private readonly waiting = new Map<string, PoolRequest[]>();
  private readonly all = new Set<H1Connection>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private closedPool = false;
  readonly keepAliveMs: number | undefined;
  readonly sourceAddress: string | undefined;
  readonly maxRequestsPerConnection: number;

  constructor(readonly settings: PoolSettings) {
    this.keepAliveMs = settings.keepAliveMs;
    this.sourceAddress = settings.sourceAddress;
    this.maxRequestsPerConnection = settings.maxRequestsPerConnection;
  }

  now(): number {
    return Date.now();
  }

  /** Open connections (connecting, idle or busy). */
  get size(): number {
    return this.all.size;
  }

  /** Starts one attempt; await `.response`, cancel with `.abort()`. */
  request(o: AttemptOptions): PoolRequest {
    const r = new PoolRequest(this, o);
    if (this.closedPool) {
      r.settle(new AttemptFailure('connect-failure', 'pool closed'), undefined);
      return r;
    }
    const c = this.takeIdle(o.host.key);
    if (c) {
      r.conn = c;
      c.send(r);
      return r;
    }
    const key = o.host.key;
    let q = this.waiting.get(key);
    if (!q) this.waiting.set(key, (q = []));
    q.push(r);
    if (this.underCap()) this.open(r);
    else this.makeRoom(key);
    return r;
  }

  /** Removes a request that is still waiting for a connection. */
  dequeue(r: PoolRequest): void {
    const q = this.waiting.get(r.host.key);
    const i = q ? q.indexOf(r) : -1;
    if (i >= 0) q!.splice(i, 1);
  }

  // ── ConnectionOwner ──────────────────────────────────────────────────────────────────
  released(c: H1Connection): void {
    if (c.connectTimer) { clearTimeout(c.connectTimer); c.connectTimer = undefined; }
    c.openedFor = undefined;
    if (this.closedPool) { c.close(); return; }
    const key = c.host.key;
    const q = this.waiting.get(key);
    const next = q?.shift();
    if (next) {
      next.conn = c;
      c.send(next);
      return;
    }
    // At the cap with other hosts waiting: this idle connection gives its place to them.
    if (!this.underCap() && this.someoneWaits()) { c.close(); return; }
    let stack = this.idle.get(key);
    if (!stack) this.idle.set(key, (stack = []));
    stack.push(c);
    this.sweeper ??= this.startSweeper();
  }

  closed(c: H1Connection): void {
    if (!this.all.delete(c)) return;
    if (c.connectTimer) { clearTimeout(c.connectTimer); c.connectTimer = undefined; }
    const stack = this.idle.get(c.host.key);
    const i = stack ? stack.indexOf(c) : -1;
    if (i >= 0) stack!.splice(i, 1);
    const r = c.openedFor as PoolRequest | undefined;
    c.openedFor = undefined;
    if (r && !r.done && !r.conn && r.opening === c) {
      // The connection opened for this request failed: so does the request (Envoy: UF).
      this.dequeue(r);
      r.settle(new AttemptFailure('connect-failure', c.failure ?? 'connection failure'), undefined);
    }
    this.pump();
  }

  close(): void {
    if (this.closedPool) return;
    this.closedPool = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const q of this.waiting.values()) for (const r of q) r.settle(new AttemptFailure('reset', 'pool closed'), undefined);
    this.waiting.clear();
    for (const c of [...this.all]) c.close();
    this.idle.clear();
  }

  // ── internals ────────────────────────────────────────────────────────────────────────
  private underCap(): boolean {
    const max = this.settings.maxConnections;
    return max <= 0 || this.all.size < max;
  }

  private someoneWaits(): boolean {
    for (const q of this.waiting.values()) if (q.length > 0) return true;
    return false;
  }

  private takeIdle(key: string): H1Connection | undefined {
    const stack = this.idle.get(key);
    if (!stack) return undefined;
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (c.idle) return c;
    }
    return undefined;
  }

  private open(r: PoolRequest): void {
    const c = new H1Connection(r.host, this, (x) => this.released(x));
    this.all.add(c);
    r.opening = c;
    c.openedFor = r;
    const t = setTimeout(() => c.connectTimeout(), this.settings.connectTimeoutMs);
    t.unref();
    c.connectTimer = t;
  }

  /** At the cap: close an idle connection of another host so a waiting request can connect. */
  private makeRoom(key: string): void {
    for (const [k, stack] of this.idle) {
      if (k === key) continue;
      const c = stack.pop();
      if (c) { c.close(); return; }
    }
  }

  /** Opens connections for waiting requests while under the cap. */
  private pump(): void {
    if (this.closedPool) return;
    for (const q of this.waiting.values()) {
      for (const r of q) {
        if (!this.underCap()) return;
        if (r.opening?.connecting) continue;
        this.open(r);
      }
    }
  }

  private startSweeper(): ReturnType<typeof setInterval> | undefined {
    const limit = this.settings.idleTimeoutMs;
    if (limit <= 0) return undefined;
    const t = setInterval(() => {
      const now = this.now();
      for (const stack of this.idle.values()) {
        for (let i = stack.length - 1; i >= 0; i--) {
          const c = stack[i]!;
          if (c.idle && now - c.idleSince >= limit) { stack.splice(i, 1); c.close(); }
        }
      }
    }, Math.max(50, Math.min(limit / 4, 30_000)));
    t.unref();
    return t;
  }
}
