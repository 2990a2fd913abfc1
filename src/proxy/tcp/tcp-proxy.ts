/**
 * envoy.filters.network.tcp_proxy: sends a downstream connection's bytes to one upstream host of
 * its cluster — the one `cluster`, or one of `weightedClusters` chosen with the injected random
 * per connection (Envoy's weighted pick) — and back. ORIGINAL_DST clusters (PassthroughCluster)
 * connect to the connection's original destination; BlackHoleCluster (and a cluster with no
 * host) closes the connection. Honours the circuit breaker's connection limit, the cluster's
 * connect timeout and upstream_bind_config source address (upstream/bind.ts), and reports
 * connect failures to outlier detection. Bytes already read
 * (`head`) are written first. With `telemetry`, Istio's istio_tcp_connections_opened/closed_total
 * and sent/received bytes are recorded (reporter source, or destination for `inbound`).
 */
import net from 'node:net';
import type { TcpProxy } from '../../api/envoy/listener.js';
import { pickWeighted } from '../router/index.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { ProxyStats, TcpReport } from '../stats/index.js';
import type { Telemetry } from '../server/telemetry.js';

export interface TcpEnv {
  clusters: ClusterManager;
  random: () => number;
  stats: ProxyStats;
  log: (line: string) => void;
  originalDst?: { address: string; port: number };
  telemetry?: Telemetry;
  /** A sidecar's inbound listener (reporter=destination). */
  inbound?: boolean;
}

export function tcpClusterOf(tcp: Pick<TcpProxy, 'cluster' | 'weightedClusters'>, random: () => number): string | undefined {
  if (tcp.weightedClusters?.clusters?.length) return pickWeighted(tcp.weightedClusters.clusters, Math.floor(random() * 2 ** 32)).chosen;
  return tcp.cluster;
}

export function proxyTcp(down: net.Socket, tcp: Pick<TcpProxy, 'cluster' | 'weightedClusters'>, env: TcpEnv, head?: Buffer): void {
  const name = tcpClusterOf(tcp, env.random) ?? '';
  const uc = env.clusters.get(name);
  const dst = env.originalDst;
  if (name === 'BlackHoleCluster') {
    env.stats.blocked(dst ? `${dst.address}:${dst.port}` : '(unknown)');
    env.log(`tcp: blocked connection to ${dst ? `${dst.address}:${dst.port}` : 'an unknown destination'} (BlackHoleCluster)`);
    down.destroy();
    return;
  }
  if (!uc) {
    env.log(`tcp: cluster ${name} not found`);
    down.destroy();
    return;
  }
  const host = uc.type === 'ORIGINAL_DST' ? (dst ? uc.originalDst(dst.address, dst.port) : undefined) : uc.pick({ random: env.random });
  if (!host) {
    env.stats.inc(`cluster.${name}.upstream_cx_none_healthy`);
    down.destroy();
    return;
  }
  if (!uc.breaker.tryAcquire('connections')) {
    down.destroy();
    return;
  }
  host.activeConnections++;
  env.stats.inc(`cluster.${name}.upstream_cx_total`);
  const up = net.connect({ host: host.address, port: host.port, localAddress: uc.pool.settings.sourceAddress });
  let connected = false;
  const t = setTimeout(() => { if (!connected) up.destroy(new Error('connect timeout')); }, uc.pool.settings.connectTimeoutMs);
  t.unref();
  const t9 = env.telemetry;
  const report: TcpReport | undefined = t9 && {
    reporter: env.inbound ? 'destination' : 'source',
    source: env.inbound ? t9.unknown : t9.local,
    destination: env.inbound ? t9.local : t9.destinationOf(name, host.key),
  };
  up.once('connect', () => {
    connected = true;
    if (report) env.stats.istio.tcpOpened(report);
    clearTimeout(t);
    if (head?.length) up.write(head);
    down.pipe(up);
    up.pipe(down);
    down.resume();
  });
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    host.activeConnections = Math.max(0, host.activeConnections - 1);
    if (report && connected) env.stats.istio.tcpClosed(report, down.bytesWritten, down.bytesRead);
    uc.breaker.release('connections');
  };
  up.on('error', () => {
    if (!connected) uc.outlier?.onLocalOrigin(host, 'connect-failure');
    down.destroy();
  });
  down.on('error', () => up.destroy());
  up.on('close', () => { finish(); down.destroy(); });
  down.on('close', () => up.destroy());
}
