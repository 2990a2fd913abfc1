/**
 * A running Trellis data plane: the cluster manager and the listener manager fed by a snapshot
 * source (the xDS client), with one ProxyStats (Envoy counters and Istio's standard metrics) and
 * one AccessLogger. `startDataPlane` plugs into an xDS client someone else owns (the `trellis
 * proxy` command, which also runs the admin servers); it binds the listeners as soon as the
 * first snapshot is ready, without blocking its caller. `startProxy` is the self-contained form
 * (own xDS client, node identity from bootstrap/node.ts; resolves once the first snapshot is
 * ready and the listeners are bound) used by the end-to-end tests.
 */
import { AccessLogger } from '../access-log.js';
import { buildNode, type NodeOptions } from '../bootstrap/node.js';
import { XdsClient, type XdsClientEvent } from '../bootstrap/xds-client.js';
import { initHashing } from '../lb/hash.js';
import type { Node } from '../../api/xds/index.js';
import { ProxyStats, type Peer } from '../stats/index.js';
import { localExchange } from '../stats/peer-metadata.js';
import { ClusterManager } from '../upstream/cluster-manager.js';
import type { DnsResolver } from '../upstream/dns.js';
import type { Host } from '../upstream/host.js';
import type { OutlierEvent } from '../upstream/outlier.js';
import { ListenerManager, type SnapshotSource } from './listener-manager.js';
import { makeTelemetry } from './telemetry.js';

export interface DataPlaneOptions {
  type: 'sidecar' | 'router';
  ip: string;
  outbound?: 'explicit' | 'transparent';
  explicitPort?: number;
  /**
   * The local application (`--app`): inbound traffic's destination. Without a port, the port the
   * connection came in on (the app listens on its own address, the sidecar on the pod IP).
   */
  app?: { host: string; port?: number };
  xds: SnapshotSource & { ready(): Promise<void> };
  stats: ProxyStats;
  accessLog?: AccessLogger;
  /** This workload as Istio's metrics name it; without it no istio_* series are recorded. */
  localPeer?: Peer;
  /** This proxy's node: with `localPeer`, turns on Istio's metadata exchange (x-envoy-peer-metadata). */
  node?: Node;
  log: (line: string) => void;
  random?: () => number;
  dns?: DnsResolver;
  onOutlierEvent?: (cluster: string, e: OutlierEvent) => void;
}

export interface RunningDataPlane {
  readonly clusters: ClusterManager;
  readonly listeners: ListenerManager;
  /** Resolves when the listeners of the first snapshot are bound. */
  readonly started: Promise<void>;
  /** Live hosts and success rates for admin /clusters. */
  hostsOf(cluster: string): readonly Host[] | undefined;
  successRateOf(cluster: string, hostKey: string): number | undefined;
  close(): Promise<void>;
}

export async function startDataPlane(o: DataPlaneOptions): Promise<RunningDataPlane> {
  await initHashing();
  const random = o.random ?? Math.random;
  const localApp = o.type === 'sidecar' && o.app && o.app.host !== o.ip ? { ip: o.ip, ...o.app } : undefined;
  const clusters = new ClusterManager({ random, dns: o.dns, log: o.log, onOutlierEvent: o.onOutlierEvent, ...(localApp ? { localApp } : {}) });
  const telemetry = o.localPeer ? makeTelemetry(o.stats, o.localPeer, clusters, o.node ? localExchange(o.node) : undefined) : undefined;
  const listeners = new ListenerManager({
    source: o.xds, type: o.type, ip: o.ip, outbound: o.outbound ?? 'explicit', explicitPort: o.explicitPort,
    ...(o.app ? { app: o.app } : {}),
    clusters, stats: o.stats, random, log: o.log, accessLog: o.accessLog, telemetry,
  });
  let closed = false;
  const started = o.xds.ready().then(() => (closed ? undefined : listeners.start()));
  started.catch((e: Error) => o.log(`data path: cannot start the listeners: ${e.message}`));
  return {
    clusters, listeners, started,
    hostsOf: (name) => clusters.get(name)?.hosts,
    successRateOf: (name, key) => {
      const uc = clusters.get(name);
      const h = uc?.hosts.find((x) => x.key === key);
      const sr = h ? uc?.outlier?.hostInfo(h)?.successRate : undefined;
      return sr === undefined || sr < 0 ? undefined : sr;
    },
    async close() {
      closed = true;
      await listeners.close();
    },
  };
}

export interface ProxyOptions extends NodeOptions {
  /** `HOST:PORT` of the control plane. */
  xds: string;
  explicitPort?: number;
  app?: { host: string; port?: number };
  random?: () => number;
  dns?: DnsResolver;
  log?: (line: string) => void;
  /** One line (without the newline) per request, Istio's access log format. */
  accessLog?: (line: string) => void;
  onXdsEvent?: (e: XdsClientEvent) => void;
  onOutlierEvent?: (cluster: string, e: OutlierEvent) => void;
  /** Ready timeout (ms); default 10 s. */
  readyTimeoutMs?: number;
}

export interface RunningProxy {
  readonly xds: XdsClient;
  readonly clusters: ClusterManager;
  readonly listeners: ListenerManager;
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const log = o.log ?? ((l: string) => console.error(l));
  const stats = new ProxyStats();
  const accessLog = o.accessLog ? new AccessLogger({ stream: { write: (l: string) => o.accessLog!(l.replace(/\n$/, '')) } }) : undefined;
  const labels = o.labels ?? {};
  const localPeer = stats.istio.peer({
    workload: o.workloadName ?? o.name, namespace: o.namespace,
    principal: `spiffe://cluster.local/ns/${o.namespace}/sa/${o.serviceAccount ?? 'default'}`,
    app: labels['app'], version: labels['version'], cluster: o.clusterId ?? 'Kubernetes',
  });
  const node = buildNode(o);
  const xds = new XdsClient({ address: o.xds, node, onEvent: o.onXdsEvent });
  const dp = await startDataPlane({
    type: o.type, ip: o.ip, outbound: o.outbound ?? 'explicit', explicitPort: o.explicitPort,
    ...(o.app ? { app: o.app } : {}),
    xds, stats, accessLog, localPeer, node, log, random: o.random, dns: o.dns, onOutlierEvent: o.onOutlierEvent,
  });
  xds.start();
  const limit = o.readyTimeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      dp.started,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no configuration from ${o.xds} within ${limit} ms`)), limit); }),
    ]);
  } catch (e) {
    await dp.close();
    await xds.close();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return {
    xds, clusters: dp.clusters, listeners: dp.listeners, stats,
    async close() {
      await dp.close();
      await xds.close();
    },
  };
}
