/**
 * The connection pool of one upstream cluster for HTTP/1.1: a node:http Agent with keep-alive,
 * configured from the Cluster (connectTimeout, commonHttpProtocolOptions.idleTimeout and
 * maxRequestsPerConnection, upstreamConnectionOptions.tcpKeepalive, and the circuit breaker's
 * maxConnections as the socket cap). It counts each host's open connections (`Host.activeConnections`)
 * and the uses of each socket; a socket that reached maxRequestsPerConnection is sent with
 * `Connection: close` so it is not reused. Connect timeouts are enforced here (the Agent has none).
 * Must not decide routing, retries or circuit breaking; it only carries one attempt.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Cluster } from '../../api/envoy/cluster.js';
import { HTTP_PROTOCOL_OPTIONS_KEY } from '../../api/envoy/cluster.js';
import { durationMs } from '../router/duration.js';
import type { Host } from '../upstream/host.js';

export interface PoolSettings {
  connectTimeoutMs: number;
  /** 0: no idle timeout. */
  idleTimeoutMs: number;
  /** 0: unlimited. */
  maxRequestsPerConnection: number;
  /** TCP keepalive initial delay (ms), or undefined when TCP keepalive is off. */
  keepAliveMs?: number;
  maxConnections: number;
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
  };
}

export interface AttemptOptions {
  host: Host;
  method: string;
  path: string;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
  signal: AbortSignal;
}

export type AttemptError = 'connect-failure' | 'reset' | 'timeout' | 'aborted';

export class AttemptFailure extends Error {
  constructor(readonly kind: AttemptError, message: string) {
    super(message);
  }
}

const uses = new WeakMap<Socket, number>();

export class HttpPool {
  readonly agent: http.Agent;
  private closed = false;

  constructor(readonly settings: PoolSettings) {
    this.agent = new http.Agent({
      keepAlive: true,
      keepAliveMsecs: settings.keepAliveMs ?? 1000,
      maxTotalSockets: settings.maxConnections > 0 ? settings.maxConnections : Infinity,
      maxSockets: settings.maxConnections > 0 ? settings.maxConnections : Infinity,
      timeout: settings.idleTimeoutMs > 0 ? settings.idleTimeoutMs : undefined,
      scheduling: 'lifo',
    });
  }

  /** One attempt: resolves with the response (headers received) or rejects with AttemptFailure. */
  request(o: AttemptOptions): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (kind: AttemptError, msg: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        reject(new AttemptFailure(kind, msg));
        req.destroy();
      };
      const req = http.request({
        host: o.host.address, port: o.host.port, method: o.method, path: o.path, headers: o.headers,
        agent: this.agent, setHost: false,
      });
      let connected = false;
      const connectTimer = setTimeout(() => { if (!connected) fail('connect-failure', 'connect timeout'); }, this.settings.connectTimeoutMs);
      connectTimer.unref();
      req.on('socket', (s: Socket) => {
        const n = (uses.get(s) ?? 0) + 1;
        uses.set(s, n);
        const max = this.settings.maxRequestsPerConnection;
        if (max > 0 && n >= max) req.shouldKeepAlive = false;
        const onConnect = () => { connected = true; clearTimeout(connectTimer); };
        if (s.connecting) {
          o.host.activeConnections++;
          s.once('close', () => { o.host.activeConnections = Math.max(0, o.host.activeConnections - 1); });
          if (this.settings.keepAliveMs !== undefined) s.setKeepAlive(true, this.settings.keepAliveMs);
          s.once('connect', onConnect);
        } else onConnect();
      });
      req.on('response', (res) => {
        if (settled) { res.resume(); return; }
        settled = true;
        clearTimeout(connectTimer);
        resolve(res);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        const kind: AttemptError = !connected && /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EADDRNOTAVAIL/.test(e.code ?? '') ? 'connect-failure' : 'reset';
        fail(o.signal.aborted ? 'aborted' : kind, e.message);
      });
      const onAbort = () => fail('aborted', 'aborted');
      if (o.signal.aborted) onAbort();
      else o.signal.addEventListener('abort', onAbort, { once: true });
      req.end(o.body.length ? o.body : undefined);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.agent.destroy();
  }
}
