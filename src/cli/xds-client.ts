/**
 * The CLI's client of a running control plane, for `trellis proxy-status` and `trellis
 * proxy-config --xds`: reads the control plane's debug endpoints (`/debug/syncz`,
 * `/debug/config_dump`) on its monitoring address, as istioctl reads istiod's, over plain HTTP on
 * loopback. It does not open an ADS stream: that would make the control plane count the CLI as
 * a proxy. Failures become TrellisErrors with a message that says what to check: E_READ (exit 2)
 * when the control plane cannot be reached or does not answer as one, E_USAGE (exit 2) when it
 * answers that the request names no proxy it knows.
 */
import { request } from 'node:http';
import { Option, type Command } from 'commander';
import { TrellisError } from '../common/errors.js';
import { DEFAULT_MONITORING_ADDRESS } from '../xds/control-plane.js';
import { joinAddress, splitAddress } from '../xds/monitoring/address.js';
import type { SyncStatus } from '../xds/monitoring/syncz.js';

export { DEFAULT_MONITORING_ADDRESS };

/** Milliseconds a request may take before the control plane is declared unreachable. */
export const DEFAULT_TIMEOUT_MS = 5000;

export interface MonitoringTarget {
  host: string;
  port: number;
  /** `HOST:PORT` as given (normalized). */
  address: string;
}

/** Parses `HOST:PORT` (an `http://` prefix and a trailing `/` are tolerated); E_USAGE otherwise. */
export function monitoringTarget(flag: string, value: string): MonitoringTarget {
  const bare = value.replace(/^http:\/\//, '').replace(/\/$/, '');
  try {
    const { host, port } = splitAddress(bare);
    return { host, port, address: joinAddress(host, port) };
  } catch {
    throw new TrellisError('E_USAGE', `${flag} ${JSON.stringify(value)}: use HOST:PORT, the control plane's monitoring address (default ${DEFAULT_MONITORING_ADDRESS})`);
  }
}

function unreachable(t: MonitoringTarget, why: string): TrellisError {
  return new TrellisError('E_READ',
    `cannot reach the control plane at ${t.address}: ${why} (is \`trellis control-plane\` running with --monitoring-address ${t.address}?)`);
}

function describe(err: NodeJS.ErrnoException, t: MonitoringTarget): TrellisError {
  if (err.code === 'ECONNREFUSED') return unreachable(t, 'connection refused');
  if (err.code === 'ETIMEDOUT') return unreachable(t, 'no answer in time');
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return unreachable(t, `unknown host ${t.host}`);
  if (err.code?.startsWith('HPE_') || err.code === 'ECONNRESET') {
    return new TrellisError('E_READ',
      `${t.address} does not answer HTTP: is it the xDS (gRPC) port? Give the control plane's monitoring address (trellis control-plane --monitoring-address, default ${DEFAULT_MONITORING_ADDRESS})`);
  }
  return unreachable(t, err.message);
}

interface HttpAnswer {
  status: number;
  body: string;
}

function get(t: MonitoringTarget, path: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: t.host, port: t.port, path, method: 'GET', headers: { accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e: NodeJS.ErrnoException) => reject(describe(e, t)));
    });
    req.on('timeout', () => {
      const e: NodeJS.ErrnoException = new Error('timeout');
      e.code = 'ETIMEDOUT';
      req.destroy(e);
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(describe(e, t)));
    req.end();
  });
}

async function getJson(t: MonitoringTarget, path: string, timeoutMs: number): Promise<unknown> {
  const a = await get(t, path, timeoutMs);
  const text = a.body.trim();
  if (a.status === 400 || a.status === 404) {
    if (a.status === 404 && /^no such endpoint/.test(text)) throw new TrellisError('E_READ', `${t.address} is not a Trellis control plane's monitoring address (no ${path.split('?')[0]})`);
    throw new TrellisError('E_USAGE', text || `HTTP ${a.status} from ${t.address}${path}`);
  }
  if (a.status !== 200) throw new TrellisError('E_READ', `${t.address}${path}: HTTP ${a.status}${text ? `: ${text}` : ''}`);
  try {
    return JSON.parse(a.body) as unknown;
  } catch {
    throw new TrellisError('E_READ', `${t.address}${path}: the answer is not JSON (is ${t.address} a Trellis control plane's monitoring address?)`);
  }
}

/** `/debug/syncz`: every connected proxy's sync status. */
export async function fetchSyncz(t: MonitoringTarget, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SyncStatus[]> {
  const v = await getJson(t, '/debug/syncz', timeoutMs);
  if (!Array.isArray(v)) throw new TrellisError('E_READ', `${t.address}/debug/syncz: expected a list of proxies`);
  return v.filter((x): x is SyncStatus => !!x && typeof x === 'object' && typeof (x as { proxy?: unknown }).proxy === 'string');
}

/** `/debug/config_dump?proxyID=…&include_eds`: the Envoy-shaped dump of what one proxy was sent. */
export function fetchConfigDump(t: MonitoringTarget, proxyId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<unknown> {
  return getJson(t, `/debug/config_dump?proxyID=${encodeURIComponent(proxyId)}&include_eds`, timeoutMs);
}

// ── The address flags ───────────────────────────────────────────────────────────────────────

/** The flags naming the control plane; synonyms (istioctl says --xds-address). */
export interface ControlPlaneAddressOptions {
  xds?: string;
  xdsAddress?: string;
  monitoring?: string;
  monitoringAddress?: string;
}

/**
 * Adds `--xds HOST:PORT` and its hidden synonyms `--xds-address` (istioctl's name),
 * `--monitoring` and `--monitoring-address` (the control plane's own flag name).
 */
export function withControlPlaneAddress(cmd: Command, help: string): Command {
  return cmd
    .option('--xds <host:port>', help)
    .addOption(new Option('--xds-address <host:port>', 'same as --xds').hideHelp())
    .addOption(new Option('--monitoring <host:port>', 'same as --xds').hideHelp())
    .addOption(new Option('--monitoring-address <host:port>', 'same as --xds').hideHelp());
}

/** Whether any of the address flags was given. */
export function hasControlPlaneAddress(o: ControlPlaneAddressOptions): boolean {
  return [o.xds, o.xdsAddress, o.monitoring, o.monitoringAddress].some((v) => v !== undefined);
}

/** The one address the flags give, else the default; E_USAGE when two of them disagree. */
export function controlPlaneTarget(o: ControlPlaneAddressOptions): MonitoringTarget {
  const flags: [string, string | undefined][] = [['--xds', o.xds], ['--xds-address', o.xdsAddress], ['--monitoring', o.monitoring], ['--monitoring-address', o.monitoringAddress]];
  const given = flags.flatMap(([flag, value]) => (value === undefined ? [] : [{ flag, target: monitoringTarget(flag, value) }]));
  if (new Set(given.map((g) => g.target.address)).size > 1) {
    throw new TrellisError('E_USAGE', `${given.map((g) => g.flag).join(' and ')} name different addresses; they are one setting, give one`);
  }
  return given[0]?.target ?? monitoringTarget('--xds', DEFAULT_MONITORING_ADDRESS);
}
