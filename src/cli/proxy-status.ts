/**
 * `trellis proxy-status [PROXY_ID] [--xds-address|--xds ADDR] [-o table|json]`: the sync status of
 * every proxy connected to a running control plane, read from its `/debug/syncz` and printed as
 * `istioctl proxy-status` prints it: `NAME CLUSTER CDS LDS EDS RDS ISTIOD VERSION`, one row per
 * ADS connection sorted by cluster and name, each type SYNCED (the version sent was acked), NACK
 * (the version sent was rejected; the last accepted one stays in effect), STALE (sent, not acked
 * yet), `STALE (Never Acknowledged)` (nothing of that type ever acked) or NOT SENT (not asked
 * for). NAME is Istio's proxy id `POD.NAMESPACE`; ISTIOD the control plane asked (its address);
 * VERSION the control plane's version. istioctl's ECDS column is left out (Trellis serves no
 * ECDS). The rejection messages of NACKed types follow the table. PROXY_ID keeps the rows whose
 * name or node id contain it (istioctl compares a single proxy's Envoy config instead; Trellis
 * has no access to a proxy's admin port). `-o json` prints the syncz entries as they came.
 *
 * ADDR is the control plane's monitoring address (`trellis control-plane --monitoring-address`;
 * default: that of the mesh `trellis up` runs, from its state directory, else 127.0.0.1:15014), where istiod serves /debug/syncz too; `--xds`, istioctl's
 * `--xds-address` and `--monitoring[-address]` are all accepted for it. Exit 0 with a table, 2
 * when the control plane cannot be reached (or on a usage error).
 */
import { Command } from 'commander';
import { TypeUrl } from '../api/envoy/common.js';
import type { ResourceSyncStatus, SyncStatus } from '../xds/monitoring/syncz.js';
import type { Io } from './main.js';
import { checkFormat } from './output.js';
import { TABLE_PADDING, tabulate } from './proxy-config/tabwriter.js';
import { DEFAULT_STATE_DIR, liveState } from './state-file.js';
import {
  DEFAULT_MONITORING_ADDRESS, controlPlaneTarget, fetchSyncz, hasControlPlaneAddress, withControlPlaneAddress, type ControlPlaneAddressOptions,
} from './xds-client.js';

const FORMATS = ['table', 'json'] as const;

/** The type columns, in istioctl's order, with the syncz prefix of each. */
const COLUMNS: readonly { header: string; typeUrl: string; prefix: string }[] = [
  { header: 'CDS', typeUrl: TypeUrl.Cluster, prefix: 'cluster' },
  { header: 'LDS', typeUrl: TypeUrl.Listener, prefix: 'listener' },
  { header: 'EDS', typeUrl: TypeUrl.ClusterLoadAssignment, prefix: 'endpoint' },
  { header: 'RDS', typeUrl: TypeUrl.RouteConfiguration, prefix: 'route' },
];

export const SYNCED = 'SYNCED';
export const NACK = 'NACK';
export const STALE = 'STALE';
export const NEVER_ACKED = 'STALE (Never Acknowledged)';
export const NOT_SENT = 'NOT SENT';

/** One type's status word, from what was sent, acked and rejected (istioctl's `xdsStatus` plus NACK). */
export function xdsStatus(sent: string | undefined, acked: string | undefined, rejected: boolean): string {
  if (!sent) return NOT_SENT;
  if (rejected) return NACK;
  if (sent === acked) return SYNCED;
  if (!acked) return NEVER_ACKED;
  return STALE;
}

function flat(s: SyncStatus, key: string): string | undefined {
  const v = (s as unknown as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function resource(s: SyncStatus, typeUrl: string): ResourceSyncStatus | undefined {
  return s.resources?.[typeUrl];
}

function rejected(r: ResourceSyncStatus | undefined): boolean {
  return r?.lastError !== undefined;
}

function statusOf(s: SyncStatus, c: (typeof COLUMNS)[number]): string {
  const r = resource(s, c.typeUrl);
  return xdsStatus(flat(s, `${c.prefix}_sent`) ?? r?.sent, flat(s, `${c.prefix}_acked`) ?? r?.acked, rejected(r));
}

function sorted(list: readonly SyncStatus[]): SyncStatus[] {
  const key = (s: SyncStatus) => [s.cluster_id ?? '', s.proxy] as const;
  return [...list].sort((a, b) => {
    const [ac, ap] = key(a);
    const [bc, bp] = key(b);
    return ac < bc ? -1 : ac > bc ? 1 : ap < bp ? -1 : ap > bp ? 1 : 0;
  });
}

/** istioctl's table (without ECDS). */
export function renderStatus(list: readonly SyncStatus[], controlPlane: string): string {
  const rows: string[][] = [['NAME', 'CLUSTER', ...COLUMNS.map((c) => c.header), 'ISTIOD', 'VERSION']];
  for (const s of sorted(list)) {
    rows.push([s.proxy, s.cluster_id ?? '', ...COLUMNS.map((c) => statusOf(s, c)), controlPlane, s.istio_version ?? '']);
  }
  return tabulate(rows, TABLE_PADDING);
}

/** One line per NACKed type: what was rejected and why. */
export function renderNacks(list: readonly SyncStatus[]): string {
  let out = '';
  for (const s of sorted(list)) {
    for (const c of COLUMNS) {
      const r = resource(s, c.typeUrl);
      if (!r || !rejected(r)) continue;
      const kept = r.acked ? `version ${r.acked} stays in effect` : 'nothing of this type was ever accepted';
      out += `${s.proxy} ${c.header} NACK of version ${r.sent ?? '?'}: ${r.lastError} (${kept})\n`;
    }
  }
  return out;
}

interface Options extends ControlPlaneAddressOptions {
  output: string;
  stateDir: string;
}

export function proxyStatusCommand(io: Io, setCode: (c: number) => void): Command {
  const cmd = new Command('proxy-status')
    .alias('ps')
    .description('sync status (SYNCED, NACK, STALE, NOT SENT per xDS type) of the proxies connected to a running control plane, as istioctl proxy-status shows it')
    .argument('[proxy-id]', 'only proxies whose name (POD.NAMESPACE) or node id contains this');
  withControlPlaneAddress(cmd, `the control plane's monitoring address, where its /debug endpoints are (default: that of the mesh trellis up runs, else ${DEFAULT_MONITORING_ADDRESS}); istioctl's --xds-address and --monitoring-address work too`).option('-o, --output <format>', 'table or json', 'table');
  cmd.option('--state-dir <dir>', 'the state directory of trellis up, for the default address', DEFAULT_STATE_DIR);
  return cmd.action(async (proxyId: string | undefined, o: Options) => {
    checkFormat(o.output, FORMATS);
    const live = hasControlPlaneAddress(o) ? undefined : liveState(o.stateDir);
    const target = controlPlaneTarget(live?.kind === 'running' ? { xds: live.state.controlPlane.monitoring } : o);
    const all = await fetchSyncz(target);
    const list = proxyId ? all.filter((s) => s.proxy.includes(proxyId) || (s.node_id ?? '').includes(proxyId)) : all;
    if (o.output === 'json') {
      io.out(JSON.stringify(list, null, 2) + '\n');
    } else {
      io.out(renderStatus(list, target.address));
      const nacks = renderNacks(list);
      if (nacks) io.out('\n' + nacks);
    }
    if (proxyId && list.length === 0) io.err(`no proxy connected to ${target.address} matches ${JSON.stringify(proxyId)}\n`);
    setCode(0);
  });
}
