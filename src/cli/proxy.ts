/**
 * `trellis proxy --xds ADDR --type sidecar|router --ip IP --name POD --namespace NS
 * [--labels k=v,…] [--service-account SA] [--workload NAME] [--app HOST[:PORT]]
 * [--outbound explicit|transparent] [--interception-mode REDIRECT|NONE] [--no-access-log] [--admin-port 15000] [--health-port 15021]
 * [--prometheus-port 15090]`: the Trellis proxy (sidecar or gateway).
 *
 * Builds Istio's node identity, starts the ADS client (whole-snapshot swaps, ACK/NACK, backoff
 * reconnects: proxy/bootstrap), the admin (IP:15000), health (IP:15021) and Prometheus
 * (IP:15090) servers, and the data path (`deps.dataPlane`, see DataPlaneFactory; main.ts plugs
 * in proxy/server's startDataPlane, which binds the listeners — the explicit HTTP proxy on
 * IP:15001 with `--outbound explicit` — once the first snapshot is ready). The data path shares
 * this command's ProxyStats (shown on /stats and :15090) and AccessLogger (Istio's format on
 * stdout; `--no-access-log` turns it off), and /clusters shows its live hosts.
 * Prints `admin listening on IP:PORT` (and health, prometheus), then one line per event: xDS
 * connected/disconnected, each update applied (stdout) or rejected with the reason (stderr), and
 * each snapshot swap. Stops cleanly on the first SIGINT or SIGTERM. Exit status: 0 after a clean
 * stop, 1 when a local port cannot be listened on, 2 for a bad flag.
 */
import { processSignal } from './signals.js';
import { Command, Option } from 'commander';
import { TrellisError } from '../common/errors.js';
import { TypeUrl, type ResourceTypeUrl } from '../api/envoy/common.js';
import type { Node } from '../api/xds/index.js';
import { buildNode, parseLabels, type InterceptionMode, type OutboundMode, type ProxyKind } from '../proxy/bootstrap/node.js';
import { SHORT_TYPE } from '../proxy/bootstrap/runtime.js';
import { XdsClient, type XdsClientEvent } from '../proxy/bootstrap/xds-client.js';
import { startAdminServers, DEFAULT_ADMIN_PORT, DEFAULT_HEALTH_PORT, DEFAULT_PROMETHEUS_PORT, type AdminServers } from '../proxy/admin/index.js';
import type { ClustersView } from '../proxy/admin/clusters.js';
import { ProxyStats, type Peer } from '../proxy/stats/index.js';
import { AccessLogger } from '../proxy/access-log.js';
import type { Io } from './main.js';

/** What the data path gets to run the listeners of each snapshot. */
export interface DataPlaneContext {
  type: ProxyKind;
  ip: string;
  node: Node;
  outbound: OutboundMode;
  /** The local application (`--app`), inbound traffic's destination (no port: the connection's). */
  app?: { host: string; port?: number };
  /** current() per request, onSwap() to rebind listeners. */
  xds: XdsClient;
  stats: ProxyStats;
  accessLog: AccessLogger;
  /** This workload as Istio's metrics name it (source for outbound, destination for inbound). */
  localPeer: Peer;
  log: (line: string) => void;
}

export interface DataPlane {
  close(): Promise<void>;
  /** Live hosts of a cluster (admin /clusters); absent: /clusters shows the assignment. */
  hostsOf?(cluster: string): ReturnType<NonNullable<ClustersView['hostsOf']>>;
  successRateOf?(cluster: string, hostKey: string): number | undefined;
}

/**
 * Starts the data path (listeners, router, upstreams). The seam the proxy's HTTP/TCP server
 * module plugs into: `proxyCommand(io, setCode, { dataPlane: startDataPlane })`.
 */
export type DataPlaneFactory = (ctx: DataPlaneContext) => Promise<DataPlane>;

export interface ProxyCommandDeps {
  dataPlane?: DataPlaneFactory;
  /** Resolves when the command should stop. Default: the first SIGINT or SIGTERM. */
  stopSignal?: () => Promise<string>;
}

interface Options {
  xds?: string;
  type: string;
  ip?: string;
  name?: string;
  namespace?: string;
  labels?: string;
  serviceAccount?: string;
  workload?: string;
  app?: string;
  outbound?: string;
  interceptionMode?: string;
  accessLog: boolean;
  adminPort: string;
  healthPort: string;
  prometheusPort: string;
  verbose?: boolean;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/;

function hostPort(flag: string, value: string): { host: string; port: number } {
  const m = HOST_PORT.exec(value);
  if (!m || Number(m[2]) > 65535) throw new TrellisError('E_USAGE', `${flag} ${JSON.stringify(value)}: use HOST:PORT, e.g. 127.0.0.1:15010`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** `--app HOST[:PORT]`. */
function appAddress(value: string): { host: string; port?: number } {
  if (HOST_PORT.test(value)) return hostPort('--app', value);
  if (/^(\[[0-9a-fA-F:.]+\]|[^:\s\[\]]+)$/.test(value)) return { host: value.replace(/^\[|\]$/g, '') };
  throw new TrellisError('E_USAGE', `--app ${JSON.stringify(value)}: use HOST or HOST:PORT, e.g. 127.2.0.5 or 127.0.0.1:8080`);
}

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new TrellisError('E_USAGE', `${flag} ${JSON.stringify(value)}: a port number (0 picks a free port)`);
  return n;
}

function need(flag: string, v: string | undefined): string {
  if (!v) throw new TrellisError('E_USAGE', `give ${flag}`);
  return v;
}

/** One line per client event; applied/swapped/connected on stdout, the rest on stderr. */
export function describeEvent(e: XdsClientEvent): { line: string; error: boolean } {
  const short = (t: string) => SHORT_TYPE[t as ResourceTypeUrl] ?? t;
  switch (e.type) {
    case 'connected':
      return { line: `xds connected to ${e.address} (attempt ${e.attempt})`, error: false };
    case 'disconnected':
      return { line: `xds ${e.wasConnected ? 'disconnected from' : 'cannot reach'} ${e.address}: ${e.message || `code ${e.code}`}; retrying in ${e.retryInMs} ms`, error: true };
    case 'applied':
      return { line: `applied ${short(e.typeUrl)} version ${e.version} (${e.resources} resource${e.resources === 1 ? '' : 's'})`, error: false };
    case 'rejected':
      return { line: `rejected ${short(e.typeUrl)} version ${e.version}: ${e.reason}`, error: true };
    case 'swapped':
      return {
        line: `snapshot ${e.generation} in effect${e.warm ? '' : ` (warming timed out; still waiting for ${[...(e.waitingFor?.clusters ?? []), ...(e.waitingFor?.routes ?? [])].join(', ')})`}`,
        error: false,
      };
  }
}

/** Envoy's xDS update counters for an event (cluster_manager.cds.*, listener_manager.lds.*, …). */
function countEvent(stats: ProxyStats, e: XdsClientEvent): void {
  if (e.type === 'connected') stats.store.scope('control_plane').gauge('connected_state').set(1);
  if (e.type === 'disconnected') stats.store.scope('control_plane').gauge('connected_state').set(0);
  if (e.type !== 'applied' && e.type !== 'rejected') return;
  const scope = {
    [TypeUrl.Cluster]: ['cluster_manager', 'cds'],
    [TypeUrl.Listener]: ['listener_manager', 'lds'],
    [TypeUrl.RouteConfiguration]: ['http_manager', 'rds'],
    [TypeUrl.ClusterLoadAssignment]: ['cluster_manager', 'eds'],
  }[e.typeUrl as ResourceTypeUrl];
  if (!scope) return;
  const s = stats.store.scope(scope[0]!);
  s.counter(`${scope[1]}.${e.type === 'applied' ? 'update_success' : 'update_rejected'}`).inc();
  s.counter(`${scope[1]}.update_attempt`).inc();
}

export function proxyCommand(io: Io, setCode: (c: number) => void, deps: ProxyCommandDeps = {}): Command {
  return new Command('proxy')
    .description('run the Trellis proxy (sidecar or gateway): xDS client, admin :15000, health :15021, Prometheus :15090')
    .option('--xds <host:port>', 'the control plane\'s ADS address')
    .addOption(new Option('--type <type>', 'sidecar, or router for gateways').choices(['sidecar', 'router']).default('sidecar'))
    .option('--ip <ip>', 'this workload\'s IP (the proxy binds its servers there)')
    .option('--name <pod>', 'pod (instance) name')
    .option('--namespace <ns>', 'namespace')
    .option('--labels <k=v,...>', 'workload labels (app, version, …)')
    .option('--service-account <sa>', 'service account (default: default)')
    .option('--workload <name>', 'workload (Deployment) name; default the pod name')
    .option('--app <host[:port]>', 'the local application, for inbound traffic; without a port, the port the connection came in on (the app has an address of its own and the sidecar binds the service ports on --ip)')
    .addOption(new Option('--outbound <mode>', 'outbound capture: explicit (HTTP_PROXY) or transparent (iptables)').choices(['explicit', 'transparent']))
    .addOption(new Option('--interception-mode <mode>', 'INTERCEPTION_MODE told to the control plane (default: REDIRECT, or NONE with --outbound explicit); REDIRECT with --outbound explicit and --app HOST: the sidecar owns the pod IP\'s inbound ports').choices(['REDIRECT', 'NONE']))
    .option('--no-access-log', 'do not write access log lines to stdout')
    .option('--admin-port <port>', 'admin port', String(DEFAULT_ADMIN_PORT))
    .option('--health-port <port>', 'readiness port', String(DEFAULT_HEALTH_PORT))
    .option('--prometheus-port <port>', 'Prometheus port', String(DEFAULT_PROMETHEUS_PORT))
    .option('-v, --verbose', 'also print xDS transport diagnostics (GOAWAY, keepalive)')
    .action(async (opts: Options) => {
      const xdsAddress = need('--xds HOST:PORT', opts.xds);
      hostPort('--xds', xdsAddress);
      const ip = need('--ip IP', opts.ip);
      const name = need('--name POD', opts.name);
      const namespace = need('--namespace NS', opts.namespace);
      const type = opts.type as ProxyKind;
      let labels: Record<string, string>;
      try {
        labels = parseLabels(opts.labels);
      } catch (e) {
        throw new TrellisError('E_USAGE', `--labels: ${(e as Error).message}`);
      }
      const app = opts.app ? appAddress(opts.app) : undefined;
      const outbound = (opts.outbound ?? (type === 'sidecar' ? 'transparent' : 'explicit')) as OutboundMode;
      const ports = { admin: port('--admin-port', opts.adminPort), health: port('--health-port', opts.healthPort), prometheus: port('--prometheus-port', opts.prometheusPort) };
      const serviceAccount = opts.serviceAccount ?? 'default';
      const node = buildNode({
        type, ip, name, namespace, labels, serviceAccount, outbound, ...(opts.workload ? { workloadName: opts.workload } : {}),
        ...(opts.interceptionMode ? { interceptionMode: opts.interceptionMode as InterceptionMode } : {}),
      });

      const stats = new ProxyStats();
      const workload = opts.workload ?? name;
      const localPeer = stats.istio.peer({
        workload,
        namespace,
        principal: `spiffe://cluster.local/ns/${namespace}/sa/${serviceAccount}`,
        app: labels['app'] ?? labels['app.kubernetes.io/name'],
        version: labels['version'] ?? labels['app.kubernetes.io/version'],
        cluster: String(node.metadata?.['CLUSTER_ID'] ?? 'Kubernetes'),
        canonicalService: labels['service.istio.io/canonical-name'] ?? labels['app'] ?? workload,
        canonicalRevision: labels['service.istio.io/canonical-revision'] ?? labels['version'] ?? 'latest',
      });
      const accessLog = new AccessLogger({ stream: { write: io.out }, enabled: opts.accessLog, coalesce: true });
      const lastUpdated: Partial<Record<ResourceTypeUrl, number>> = {};
      let ready = false;
      const xds = new XdsClient({
        address: xdsAddress,
        node,
        ...(opts.verbose ? { transport: { log: (line: string) => io.err(`xds: ${line}\n`) } } : {}),
        onEvent: (e) => {
          if (e.type === 'applied') lastUpdated[e.typeUrl as ResourceTypeUrl] = Date.now();
          countEvent(stats, e);
          const d = describeEvent(e);
          (d.error ? io.err : io.out)(`${d.line}\n`);
        },
      });
      void xds.ready().then(() => { ready = true; });

      let dataPlane: DataPlane | undefined;
      const clusters: ClustersView = {
        hostsOf: (c) => dataPlane?.hostsOf?.(c),
        successRateOf: (c, h) => dataPlane?.successRateOf?.(c, h),
      };
      let servers: AdminServers;
      try {
        servers = await startAdminServers({
          ip, adminPort: ports.admin, healthPort: ports.health, prometheusPort: ports.prometheus,
          snapshots: xds, isReady: () => ready, stats, node, lastUpdated: () => lastUpdated, clusters,
        });
      } catch (e) {
        io.err(`trellis: cannot listen on ${ip}: ${(e as Error).message}\n`);
        setCode(1);
        return;
      }
      const stop = (deps.stopSignal ?? processSignal)();
      io.out(`admin listening on ${ip}:${servers.adminPort}\n`);
      io.out(`health listening on ${ip}:${servers.healthPort}\n`);
      io.out(`prometheus listening on ${ip}:${servers.prometheusPort}\n`);
      io.out(`node ${node.id}\n`);
      xds.start();

      if (deps.dataPlane) {
        try {
          dataPlane = await deps.dataPlane({
            type, ip, node, outbound, ...(app ? { app } : {}), xds, stats, accessLog, localPeer, log: (l) => io.out(`${l}\n`),
          });
        } catch (e) {
          io.err(`trellis: cannot start the data path: ${(e as Error).message}\n`);
          await xds.close();
          await servers.close();
          setCode(1);
          return;
        }
      } else {
        io.err('data path: not built into this command yet; serving xDS, admin, health and metrics only\n');
      }

      const sig = await stop;
      io.out(`${sig}: stopping\n`);
      await dataPlane?.close();
      await xds.close();
      await servers.close();
      io.out('stopped\n');
      setCode(0);
    });
}
