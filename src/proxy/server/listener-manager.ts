/**
 * The listener manager: binds the sockets the runtime snapshot's listeners call for and keeps them
 * in line with each new snapshot (binding new ones, closing removed ones; connections and
 * requests in flight finish, each request on the snapshot it started with). What is bound:
 * - router (gateway): every listener, on --ip and the listener's port;
 * - sidecar, explicit outbound mode: the inbound listeners (INBOUND, or bound to the node's IP)
 *   on --ip, and the explicit HTTP proxy on IP:15001 (explicit.ts);
 * - sidecar, transparent mode (iptables REDIRECT): what transparent.ts says — virtualOutbound and
 *   virtualInbound at 0.0.0.0 as Envoy binds them; a connection accepted there is looked up for
 *   its original destination (listener/original-dst.ts) and, from virtualOutbound, handed to the
 *   listener of that destination (use_original_dst), whose chains then match on it.
 * Inbound traffic's original destination (ORIGINAL_DST inbound clusters) is the local app (`app`,
 * `--app`) when given, else the address the connection came in on (its original destination in
 * transparent mode). When the app has an address of its own (`--app HOST`, the port following
 * the connection's), an explicit-mode sidecar owns the pod IP as in Istio: it also binds
 * virtualInbound's service ports there, so callers reach the app through it.
 * Each accepted connection is matched to a filter chain (listener/match.ts, with the protocol
 * sniffed from the first bytes when the listener has an http_inspector) and handed to HTTP/1.1,
 * HTTP/2 cleartext (prior knowledge) or tcp_proxy.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { selectFilterChain, type Connection } from '../listener/match.js';
import { chainTerminal } from '../listener/terminal.js';
import { proxyTcp } from '../tcp/tcp-proxy.js';
import { loadOriginalDst, type OriginalDst, type OriginalDstLookup } from '../listener/original-dst.js';
import { handOff, readsOriginalDst, transparentBindings } from './transparent.js';
import { explicitTarget, outboundListener, outboundPolicy, splitHostPort, tcpServesHost } from './explicit.js';
import { Http1ServerConnection } from '../http1/server-connection.js';
import { handleHttp, serveRequest, type HttpConnInfo, type ServerEnv } from './http-handler.js';

export interface SnapshotSource {
  current(): RuntimeSnapshot;
  onSwap(fn: (s: RuntimeSnapshot) => void): () => void;
}

export interface ListenerManagerOptions extends Omit<ServerEnv, 'current'> {
  source: SnapshotSource;
  type: 'sidecar' | 'router';
  ip: string;
  outbound?: 'explicit' | 'transparent';
  explicitPort?: number;
  /** The local application: the original destination of a sidecar's inbound connections (port: the connection's when absent). */
  app?: { host: string; port?: number };
  /** Transparent mode's original-destination lookup (default: loadOriginalDst(), which throws when none works). */
  originalDst?: OriginalDstLookup;
  /** Called when a bind fails (port in use…); the listener is skipped. */
  onBindError?: (name: string, address: string, e: Error) => void;
}

interface Binding {
  key: string;
  name: string;
  server: net.Server;
  h1: http.Server;
  h2?: http2.Http2Server;
  sockets: Set<net.Socket>;
}

const H2_PREFACE = 'PRI * HTTP/2.0';
const connInfo = new WeakMap<object, HttpConnInfo>();
const sessionInfo = new WeakMap<object, HttpConnInfo>();

function replaying(socket: net.Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read() { socket.resume(); },
    write(chunk, _enc, cb) { socket.write(chunk, cb); },
    final(cb) { socket.end(); cb(); },
    destroy(err, cb) { socket.destroy(); cb(err); },
  });
  d.push(head);
  socket.on('data', (c) => { if (!d.push(c)) socket.pause(); });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  return d;
}

export class ListenerManager {
  private readonly bindings = new Map<string, Binding>();
  private readonly env: ServerEnv;
  private unsubscribe: (() => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private pendingH2: HttpConnInfo | undefined;

  /** Set in transparent mode: how redirected connections' original destination is read. */
  private readonly capture: OriginalDstLookup | undefined;

  constructor(private readonly o: ListenerManagerOptions) {
    this.env = { ...o, current: () => o.source.current() };
    if (o.type === 'sidecar' && o.outbound === 'transparent') this.capture = o.originalDst ?? loadOriginalDst();
  }

  async start(): Promise<void> {
    this.unsubscribe = this.o.source.onSwap((s) => void this.sync(s));
    await this.sync(this.o.source.current());
  }

  /** Bound addresses by listener name (the explicit proxy is `explicit`). */
  bound(): Map<string, string> {
    return new Map([...this.bindings.values()].map((b) => [b.name, b.key]));
  }

  sync(s: RuntimeSnapshot): Promise<void> {
    this.o.clusters.update(s);
    this.queue = this.queue.then(() => this.apply(s));
    return this.queue;
  }

  private wanted(s: RuntimeSnapshot): Map<string, { name: string; port: number; address?: string }> {
    if (this.capture) return transparentBindings(s);
    const w = new Map<string, { name: string; port: number }>();
    const ip = this.o.ip;
    if (this.o.type === 'sidecar' && (this.o.outbound ?? 'explicit') === 'explicit') {
      const port = this.o.explicitPort ?? 15001;
      w.set(`${ip}:${port}`, { name: 'explicit', port });
    }
    for (const e of s.listeners.values()) {
      const l = e.listener;
      const port = l.address.socketAddress?.portValue;
      if (port === undefined || l.bindToPort === false) continue;
      if (this.o.type === 'sidecar') {
        const inbound = l.trafficDirection === 'INBOUND' || l.name === 'virtualInbound' || l.address.socketAddress?.address === ip;
        if (!inbound) continue;
        if (l.name === 'virtualInbound' && this.o.app && this.o.app.host !== ip) {
          for (const c of l.filterChains ?? []) {
            const p = c.filterChainMatch?.destinationPort;
            if (p !== undefined && p !== port && !w.has(`${ip}:${p}`)) w.set(`${ip}:${p}`, { name: l.name, port: p });
          }
        }
      }
      const key = `${ip}:${port}`;
      if (!w.has(key)) w.set(key, { name: l.name, port });
    }
    return w;
  }

  private async apply(s: RuntimeSnapshot): Promise<void> {
    if (this.closed) return;
    const want = this.wanted(s);
    for (const [key, b] of this.bindings) {
      if (want.get(key)?.name === b.name) continue;
      this.bindings.delete(key);
      this.release(b);
    }
    for (const [key, w] of want) {
      if (this.bindings.has(key)) continue;
      try {
        this.bindings.set(key, await this.bind(key, w.name, w.port, w.address));
      } catch (e) {
        this.o.onBindError?.(w.name, key, e as Error);
        this.o.log(`listener ${w.name}: cannot bind ${key}: ${(e as Error).message}`);
      }
    }
  }

  private bind(key: string, name: string, port: number, address = this.o.ip): Promise<Binding> {
    const h1 = http.createServer({ keepAlive: true }, (req, res) => {
      const info = connInfo.get(req.socket);
      if (!info) { res.destroy(); return; }
      void handleHttp(req, res, info, this.env);
    });
    if (name === 'explicit') h1.on('connect', (req, socket: net.Socket, head: Buffer) => this.connect(req, socket, head));
    const h2 = http2.createServer({}, (req, res) => {
      const info = sessionInfo.get(req.stream.session as object);
      if (!info) { res.stream.close(); return; }
      void handleHttp(req, res, info, this.env);
    });
    // The session is created synchronously when a connection is emitted (see accept()).
    h2.on('session', (session) => { if (this.pendingH2) sessionInfo.set(session, this.pendingH2); });
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      this.accept(socket, name, port, h1, h2);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve({ key, name, server, h1, h2, sockets });
      });
    });
  }

  /**
   * `original`: the connection's original destination in transparent mode (null: not redirected;
   * undefined: not looked up yet).
   */
  private accept(socket: net.Socket, name: string, port: number, h1: http.Server, h2: http2.Http2Server, original?: OriginalDst | null): void {
    if (original === undefined) socket.on('error', () => socket.destroy());
    if (name === 'explicit') {
      this.serveH1(socket, this.explicitInfo(socket), h1);
      return;
    }
    const s0 = this.o.source.current();
    let l0 = s0.listeners.get(name)?.listener;
    if (!l0) { socket.destroy(); return; }
    if (this.capture && original === undefined && readsOriginalDst(l0)) {
      const found = this.capture.lookup(socket);
      if (found instanceof Promise) {
        const go = (d: OriginalDst | undefined) => { if (!socket.destroyed) this.accept(socket, name, port, h1, h2, d ?? null); };
        found.then(go, () => go(undefined));
        return;
      }
      original = found ?? null;
    }
    if (original) {
      l0 = handOff(s0, l0, original);
      name = l0.name;
    }
    const inspects = (l0.listenerFilters ?? []).some((f) => /http_inspector|tls_inspector/.test(f.name));
    const inbound = this.o.type === 'sidecar' && l0.trafficDirection !== 'OUTBOUND';
    const app = inbound ? this.o.app : undefined;
    const dstOf = (c: Connection) => (app ? { address: app.host, port: app.port ?? c.destinationPort } : { address: c.destinationAddress, port: c.destinationPort });
    const base: Connection = {
      destinationAddress: original?.address ?? socket.localAddress ?? this.o.ip, destinationPort: original?.port ?? socket.localPort ?? port,
      sourceAddress: socket.remoteAddress, sourcePort: socket.remotePort,
    };
    // Without listener inspectors the chain does not depend on the first bytes: choose now, so
    // that server-first TCP protocols work; an HTTP chain then waits for the client's bytes.
    if (!inspects) {
      const t = chainTerminal(selectFilterChain(l0, base).chain);
      if (t.kind === 'tcp') {
        proxyTcp(socket, t.tcp, { ...this.env, inbound, originalDst: dstOf(base) });
        return;
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onFirst = (chunk: Buffer | undefined) => {
      clearTimeout(timer);
      socket.pause();
      if (chunk) socket.unshift(chunk);
      const s = this.o.source.current();
      const l = s.listeners.get(name)?.listener;
      if (!l) { socket.destroy(); return; }
      const text = chunk ? chunk.subarray(0, 16).toString('latin1') : '';
      const isH2 = text.startsWith(H2_PREFACE);
      const isH1 = /^[A-Z]+ \S/.test(text);
      const conn: Connection = { ...base, ...(isH2 ? { http: 'h2c' as const } : isH1 ? { http: 'http/1.1' as const } : {}) };
      const choice = selectFilterChain(l, conn);
      const t = chainTerminal(choice.chain);
      if (t.kind === 'tcp') {
        proxyTcp(socket, t.tcp, { ...this.env, inbound, originalDst: dstOf(conn) });
        return;
      }
      if (t.kind !== 'http' || !chunk) { socket.destroy(); return; }
      const hcm = t.hcm;
      const info: HttpConnInfo = {
        target: (snap) => {
          const cur = snap.listeners.get(name)?.listener;
          if (!cur || cur === l) return { hcm, table: snap.routeTableFor(hcm) ?? s.routeTableFor(hcm) };
          const tt = chainTerminal(selectFilterChain(cur, conn).chain);
          return tt.kind === 'http' ? { hcm: tt.hcm, table: snap.routeTableFor(tt.hcm) } : undefined;
        },
        originalDst: () => dstOf(conn),
        inbound,
        sourceIp: socket.remoteAddress, remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
        // After original_dst, Envoy's downstream local address is the original destination.
        localAddress: original ? `${original.address}:${original.port}` : `${socket.localAddress}:${socket.localPort}`, scheme: 'http',
      };
      connInfo.set(socket, info);
      if (isH2) {
        // node:http2 reads the socket's handle directly, which would skip the peeked bytes:
        // give it a Duplex that replays them, then relays the socket.
        socket.read(chunk.length);
        const d = replaying(socket, chunk);
        connInfo.set(d, info);
        this.pendingH2 = info;
        h2.emit('connection', d);
        this.pendingH2 = undefined;
        return;
      }
      this.serveH1(socket, info, h1);
    };
    socket.once('data', onFirst);
    // Envoy's listener_filters_timeout (15 s; Istio continues on timeout).
    if (inspects) {
      timer = setTimeout(() => { socket.off('data', onFirst); onFirst(undefined); }, 15_000);
      socket.once('close', () => clearTimeout(timer));
    }
  }

  /**
   * HTTP/1.1 on the fast path (http1/server-connection.ts); upgrades and CONNECT are handed to
   * node:http with the bytes read so far.
   */
  private serveH1(socket: net.Socket, info: HttpConnInfo, h1: http.Server): void {
    connInfo.set(socket, info);
    const env = this.env;
    new Http1ServerConnection(socket, {
      serve: (d) => serveRequest(d, info, env),
      fallback: (s, unread) => {
        if (unread.length) s.unshift(unread);
        h1.emit('connection', s);
        s.resume();
      },
      log: this.o.log,
    }).start();
  }

  private explicitInfo(socket: net.Socket, tunnelPort?: number): HttpConnInfo {
    return {
      target: (snap, authority, path) => explicitTarget(snap, authority, path, tunnelPort ?? 80),
      originalDst: (authority) => {
        const { host, port } = splitHostPort(authority, tunnelPort ?? 80);
        return host ? { address: host, port } : undefined;
      },
      sourceIp: socket.remoteAddress, remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      localAddress: `${socket.localAddress}:${socket.localPort}`, scheme: 'http',
    };
  }

  /** CONNECT host:port on the explicit proxy. */
  private connect(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const { host, port } = splitHostPort(req.url ?? '', 443);
    const s = this.o.source.current();
    const l = outboundListener(s, port);
    const dst = { address: host, port };
    if (l) {
      const t = chainTerminal(selectFilterChain(l, { destinationAddress: l.address.socketAddress?.address ?? '0.0.0.0', destinationPort: port }).chain);
      const names = t.kind === 'tcp' ? (t.cluster ? [t.cluster] : (t.weightedClusters ?? []).map((c) => c.name)) : [];
      if (t.kind === 'tcp' && tcpServesHost(names, host)) {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        proxyTcp(socket, t.tcp, { ...this.env, originalDst: dst }, head);
        return;
      }
      if (t.kind === 'http') {
        // HTTP inside the tunnel: served as explicit-mode requests to this port.
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) socket.unshift(head);
        const inner = this.tunnelServer();
        connInfo.set(socket, this.explicitInfo(socket, port));
        inner.emit('connection', socket);
        return;
      }
    }
    const cluster = outboundPolicy(s) === 'REGISTRY_ONLY' ? 'BlackHoleCluster' : 'PassthroughCluster';
    if (cluster === 'BlackHoleCluster') {
      this.o.stats.blocked(`${host}:${port}`);
      this.o.log(`outbound traffic policy REGISTRY_ONLY: blocked CONNECT to host ${host}:${port}`);
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    proxyTcp(socket, { cluster }, { ...this.env, originalDst: dst }, head);
  }

  private tunnel: http.Server | undefined;
  private tunnelServer(): http.Server {
    this.tunnel ??= http.createServer({ keepAlive: true }, (req, res) => {
      const info = connInfo.get(req.socket);
      if (!info) { res.destroy(); return; }
      void handleHttp(req, res, info, this.env);
    });
    return this.tunnel;
  }

  private release(b: Binding): void {
    b.server.close();
    b.h1.close();
    b.h1.closeIdleConnections();
    b.h2?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    await this.queue;
    const all = [...this.bindings.values()];
    this.bindings.clear();
    await Promise.all(all.map((b) => new Promise<void>((resolve) => {
      b.server.close(() => resolve());
      b.h1.closeAllConnections();
      b.h1.close();
      b.h2?.close();
      for (const s of b.sockets) s.destroy();
    })));
    this.tunnel?.closeAllConnections();
    this.tunnel?.close();
    this.o.clusters.close();
  }
}
