/**
 * `trellis proxy-config listeners|routes|clusters|endpoints|all WORKLOAD -f PATH… [-n NS]
 * [-o table|json|yaml]`: what one proxy would receive over xDS, computed offline from files and
 * shown as `istioctl proxy-config` shows a live Envoy (same subcommands and aliases, columns,
 * filters and sort orders; tables in ./proxy-config/). `-o json|yaml` prints the resources in
 * proto3 JSON (for `all`, Envoy's config_dump shape). Filters that match nothing print an empty
 * table, exit 0, as istioctl does. Exit 2 on usage errors (unknown workload, bad flag), 1 when no
 * valid config remains.
 *
 * With `--xds ADDR PROXY_ID` the resources come from a running control plane instead: what it
 * last sent to that proxy, read from its `/debug/config_dump` on its monitoring address ADDR (see
 * ./xds-client.ts), then shown with the same tables; `all -o json|yaml` prints that dump as is.
 * PROXY_ID is the node id or `POD.NAMESPACE` (`POD` alone takes `-n`). Exit 2 when the control
 * plane cannot be reached or has no such proxy. With neither `-f` nor `--xds`, the mesh `trellis
 * up` runs is asked (its state directory names the control plane and WORKLOAD's proxy).
 */
import { Command, InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';
import { compileProxy, type ProxyConfig } from '../compile/index.js';
import type { Io } from './main.js';
import { loadMesh, resolveWorkload, withMeshOptions, type MeshInputOptions } from './mesh-input.js';
import { checkFormat } from './output.js';
import { filterClusters, renderClusters, type ClusterFilter } from './proxy-config/clusters.js';
import { configDump } from './proxy-config/config-dump.js';
import { filterAssignments, renderEdsSummary, renderEndpoints, type EndpointFilter } from './proxy-config/endpoints.js';
import { filterListeners, renderListeners, type ListenerFilter } from './proxy-config/listeners.js';
import { filterRoutes, renderRoutes, type RouteFilter } from './proxy-config/routes.js';
import { TrellisError } from '../common/errors.js';
import { configFromDump } from '../xds/monitoring/config-dump.js';
import { DEFAULT_STATE_DIR, liveState, notRunningMessage, requireWorkloads } from './state-file.js';
import {
  controlPlaneTarget, fetchConfigDump, hasControlPlaneAddress, withControlPlaneAddress, type ControlPlaneAddressOptions,
} from './xds-client.js';

const FORMATS = ['table', 'short', 'json', 'yaml'] as const;

interface Options extends MeshInputOptions, ControlPlaneAddressOptions {
  output: string;
  stateDir: string;
  port?: number;
  address?: string;
  type?: string;
  name?: string;
  fqdn?: string;
  subset?: string;
  direction?: string;
  cluster?: string;
  status?: string;
  verbose: boolean;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number');
  return n;
}

function parseBool(v: string): boolean {
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new InvalidArgumentError('expected true or false');
}

type Kind = 'listeners' | 'routes' | 'clusters' | 'endpoints' | 'all';

const SPECS: readonly { kind: Kind; aliases: string[]; description: string; flags: string[] }[] = [
  { kind: 'listeners', aliases: ['listener', 'l'], description: 'listeners of a workload\'s proxy (istioctl proxy-config listeners)', flags: ['port', 'address', 'type', 'name', 'verbose'] },
  { kind: 'routes', aliases: ['route', 'r'], description: 'RDS route configurations of a workload\'s proxy', flags: ['name', 'verbose'] },
  { kind: 'clusters', aliases: ['cluster', 'c'], description: 'clusters of a workload\'s proxy', flags: ['fqdn', 'port', 'subset', 'direction'] },
  { kind: 'endpoints', aliases: ['endpoint', 'ep'], description: 'endpoints of a workload\'s proxy\'s clusters', flags: ['cluster', 'address', 'port', 'status'] },
  { kind: 'all', aliases: ['a'], description: 'clusters, listeners, routes and endpoints of a workload\'s proxy', flags: ['fqdn', 'port', 'subset', 'direction', 'address', 'type', 'name', 'cluster', 'status', 'verbose'] },
];

const PORT_HELP: Record<Kind, string> = {
  listeners: 'filter listeners by port',
  routes: '',
  clusters: 'filter clusters by the PORT of their name',
  endpoints: 'filter endpoints by port',
  all: 'filter clusters (|PORT| of the name), listeners and endpoints by port',
};

function addFlags(cmd: Command, kind: Kind, flags: readonly string[]): Command {
  const has = (f: string) => flags.includes(f);
  if (has('port')) cmd.option('--port <port>', PORT_HELP[kind], parsePort);
  if (has('address')) cmd.option('--address <address>', kind === 'all' ? 'filter listeners and endpoints by address' : `filter ${kind} by address`);
  if (has('type')) cmd.option('--type <type>', 'filter listeners by type (HTTP, TCP, HTTP+TCP, UNKNOWN)');
  if (has('name')) cmd.option('--name <name>', kind === 'listeners' ? 'filter listeners by name (e.g. 0.0.0.0_8080, virtualOutbound)' : 'filter routes by route configuration name');
  if (has('fqdn')) cmd.option('--fqdn <host>', 'filter clusters by a substring of the service FQDN');
  if (has('subset')) cmd.option('--subset <subset>', 'filter clusters by a substring of the subset');
  if (has('direction')) cmd.option('--direction <direction>', 'filter clusters by direction (inbound, outbound)');
  if (has('cluster')) cmd.option('--cluster <name>', 'filter endpoints by cluster name');
  if (has('status')) cmd.option('--status <status>', 'filter endpoints by status (HEALTHY, UNHEALTHY, …)');
  if (has('verbose')) cmd.option('--verbose [bool]', 'MATCH and DESTINATION columns; --verbose=false for istioctl\'s short form', parseBool, true);
  return cmd;
}

function serialize(value: unknown, format: string, indent: number): string {
  const plain = JSON.parse(JSON.stringify(value)) as unknown;
  return format === 'yaml' ? toYaml(plain, { sortMapEntries: true }) : JSON.stringify(plain, null, indent) + '\n';
}

function clusterFilter(o: Options): ClusterFilter {
  return { fqdn: o.fqdn, subset: o.subset, direction: o.direction, port: o.port };
}
function listenerFilter(o: Options): ListenerFilter {
  return { port: o.port, address: o.address, type: o.type, name: o.name };
}
function routeFilter(o: Options): RouteFilter {
  return { name: o.name };
}
function endpointFilter(o: Options): EndpointFilter {
  return { cluster: o.cluster, address: o.address, port: o.port, status: o.status };
}

function render(kind: Kind, cfg: ProxyConfig, o: Options, version: string): string {
  const format = o.output === 'short' ? 'table' : o.output;
  switch (kind) {
    case 'listeners': {
      const list = filterListeners(cfg.listeners, listenerFilter(o));
      return format === 'table' ? renderListeners(list, o.verbose) : serialize(list, format, 4);
    }
    case 'routes': {
      const list = filterRoutes(cfg.routes, routeFilter(o));
      return format === 'table' ? renderRoutes(list, o.verbose) : serialize(list, format, 4);
    }
    case 'clusters': {
      const list = filterClusters(cfg.clusters, clusterFilter(o));
      return format === 'table' ? renderClusters(list) : serialize(list, format, 4);
    }
    case 'endpoints': {
      if (format === 'table') return renderEndpoints(cfg.clusters, cfg.endpoints, endpointFilter(o));
      return serialize(filterAssignments(cfg.endpoints, endpointFilter(o)), format, 4);
    }
    case 'all': {
      if (format !== 'table') return serialize(configDump(cfg, version), format, 2);
      // istioctl's `all` summary: NAME columns prefixed by type; `--name` filters routes only.
      return [
        renderClusters(filterClusters(cfg.clusters, clusterFilter(o)), true),
        renderListeners(filterListeners(cfg.listeners, { ...listenerFilter(o), name: undefined }), o.verbose, true),
        renderRoutes(filterRoutes(cfg.routes, routeFilter(o)), o.verbose, true),
        renderEdsSummary(cfg.endpoints, { ...endpointFilter(o), address: o.address }),
      ].join('\n');
    }
  }
}

function subcommand(io: Io, setCode: (c: number) => void, spec: (typeof SPECS)[number]): Command {
  const cmd = new Command(spec.kind)
    .aliases(spec.aliases)
    .description(spec.description)
    .argument('<workload>', 'Deployment (first replica; NAME-N for replica N), Pod, WorkloadEntry or built-in gateway; NAME, NAME.NS or NS/NAME')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  withMeshOptions(cmd).option('-o, --output <format>', 'table (istioctl\'s short), json or yaml', 'table');
  addFlags(cmd, spec.kind, spec.flags);
  withControlPlaneAddress(cmd, 'read from a running control plane at this monitoring address (HOST:PORT) what it last sent to the proxy WORKLOAD names (node id, POD.NAMESPACE or POD with -n), instead of compiling files');
  cmd.option('--state-dir <dir>', 'without -f and --xds: the state directory of the mesh trellis up runs', DEFAULT_STATE_DIR);
  return cmd.action(async (workload: string, o: Options) => {
    checkFormat(o.output, FORMATS);
    if (hasControlPlaneAddress(o)) {
      await fromControlPlane(io, spec.kind, workload, o);
      setCode(0);
      return;
    }
    if (o.filename.length === 0) {
      // The mesh `trellis up` runs: what its control plane sent to that workload's proxy.
      const { monitoring, proxyId } = runningProxy(o.stateDir, workload, o.namespace);
      await fromControlPlane(io, spec.kind, proxyId, { ...o, xds: monitoring });
      setCode(0);
      return;
    }
    const mesh = loadMesh(o, io);
    const { proxy } = resolveWorkload(mesh.snapshot, workload, o.namespace);
    const cfg = compileProxy(mesh.snapshot, proxy);
    io.out(render(spec.kind, cfg, { ...o, verbose: o.verbose !== false }, mesh.snapshot.version));
    setCode(0);
  });
}

/** The running mesh's monitoring address and the proxy id of WORKLOAD (a pod or Deployment). */
function runningProxy(stateDir: string, workload: string, namespace: string): { monitoring: string; proxyId: string } {
  const live = liveState(stateDir);
  if (live.kind !== 'running') {
    throw new TrellisError('E_USAGE', `no input: give config files with -f PATH, a control plane with --xds ADDR PROXY_ID, or start a mesh with trellis up (${notRunningMessage(stateDir, live)})`);
  }
  const pod = requireWorkloads(live.state, workload, namespace)[0]!;
  if (!pod.proxyId) throw new TrellisError('E_USAGE', `${pod.namespace}/${pod.name} runs without a sidecar (sidecar.istio.io/inject: "false"): it has no proxy config`);
  return { monitoring: live.state.controlPlane.monitoring, proxyId: pod.proxyId };
}

/** `--xds`: the proxy's config as the control plane last sent it, with the offline renderers. */
async function fromControlPlane(io: Io, kind: Kind, proxyArg: string, o: Options): Promise<void> {
  if (o.filename.length > 0) throw new TrellisError('E_USAGE', 'give either config files (-f) or a running control plane (--xds), not both');
  const proxyId = proxyArg.includes('~') || proxyArg.includes('.') ? proxyArg : `${proxyArg}.${o.namespace}`;
  const dump = await fetchConfigDump(controlPlaneTarget(o), proxyId);
  const opts = { ...o, verbose: o.verbose !== false };
  if (kind === 'all' && o.output !== 'table' && o.output !== 'short') {
    io.out(serialize(dump, o.output, 2));
    return;
  }
  let cfg: ProxyConfig;
  try {
    cfg = configFromDump(dump);
  } catch (e) {
    throw new TrellisError('E_READ', `the control plane's config dump of ${proxyId}: ${(e as Error).message}`);
  }
  io.out(render(kind, cfg, opts, ''));
}

export function proxyConfigCommand(io: Io, setCode: (c: number) => void): Command {
  const cmd = new Command('proxy-config')
    .alias('pc')
    .description('show the xDS config a workload\'s proxy would receive, from files (with --xds: what a running control plane sent it), as istioctl proxy-config shows it');
  for (const spec of SPECS) cmd.addCommand(subcommand(io, setCode, spec));
  return cmd;
}
