/**
 * A running Trellis proxy: the xDS client (node identity from bootstrap/node.ts), the cluster
 * manager and the listener manager wired together, hashing initialised. `startProxy` resolves
 * once the first snapshot is ready and the listeners are bound; `close` stops everything the
 * proxy started. The `trellis proxy` command and the end-to-end tests use it.
 */
import { buildNode, type NodeOptions } from '../bootstrap/node.js';
import { XdsClient, type XdsClientEvent } from '../bootstrap/xds-client.js';
import { initHashing } from '../lb/hash.js';
import { ClusterManager } from '../upstream/cluster-manager.js';
import type { DnsResolver } from '../upstream/dns.js';
import type { OutlierEvent } from '../upstream/outlier.js';
import { ListenerManager } from './listener-manager.js';
import { ProxyStats } from './stats.js';

export interface ProxyOptions extends NodeOptions {
  /** `HOST:PORT` of the control plane. */
  xds: string;
  explicitPort?: number;
  random?: () => number;
  dns?: DnsResolver;
  log?: (line: string) => void;
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
  await initHashing();
  const log = o.log ?? ((l: string) => console.error(l));
  const random = o.random ?? Math.random;
  const stats = new ProxyStats();
  const xds = new XdsClient({ address: o.xds, node: buildNode(o), onEvent: o.onXdsEvent });
  const clusters = new ClusterManager({ random, dns: o.dns, log, onOutlierEvent: o.onOutlierEvent });
  const listeners = new ListenerManager({
    source: xds, type: o.type, ip: o.ip, outbound: o.outbound ?? 'explicit', explicitPort: o.explicitPort,
    clusters, stats, random, log, accessLog: o.accessLog,
  });
  xds.start();
  const limit = o.readyTimeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      xds.ready(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no configuration from ${o.xds} within ${limit} ms`)), limit); }),
    ]);
  } catch (e) {
    await xds.close();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  await listeners.start();
  return {
    xds, clusters, listeners, stats,
    async close() {
      await listeners.close();
      await xds.close();
    },
  };
}
