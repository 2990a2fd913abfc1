/**
 * The iptables rules that capture one workload's traffic for its sidecar, as Istio's init
 * container (istio-iptables, REDIRECT mode) installs them in the pod's network namespace: what
 * `trellis up --outbound transparent` applies with `iptables-restore` in a namespace per workload.
 * Pure: options in, iptables-restore text (the nat table) out; applying it is the caller's job.
 *
 * Chains, as Istio names them: ISTIO_REDIRECT (REDIRECT to the outbound capture port, 15001),
 * ISTIO_IN_REDIRECT (to the inbound capture port, 15006), ISTIO_INBOUND (PREROUTING: inbound
 * ports, minus exclusions and the tunnel port 15008), ISTIO_OUTPUT (OUTPUT), in Istio's order:
 * outbound port exclusions; the inbound passthrough source 127.0.0.6 (the proxy's own connections
 * to the app) is never captured; per proxy uid, then gid: the proxy's connections over lo to a
 * local address other than 127.0.0.1 go to ISTIO_IN_REDIRECT (app → VIP → proxy → proxy inbound →
 * app), other programs' traffic over lo is left alone (unless a loopback range is explicitly
 * captured), and the rest of the proxy's traffic is never captured (no loops); 127.0.0.1 is never
 * captured; then outbound CIDR exclusions, outbound port inclusions and CIDR inclusions (`*`: all).
 * IPv4 only (Trellis plans loopback addresses); DNS capture and TPROXY are not generated.
 * Bad options throw CaptureOptionError naming the option and what would be valid.
 */
import { isIPv4 } from 'node:net';

export interface CaptureOptions {
  /** Outbound capture port (virtualOutbound); Istio's 15001. */
  proxyPort?: number;
  /** Inbound capture port (virtualInbound); Istio's 15006. */
  inboundCapturePort?: number;
  /** HBONE tunnel port, never captured inbound; Istio's 15008. */
  inboundTunnelPort?: number;
  /** Users whose traffic is the proxy's (never captured outbound); Istio's 1337. */
  proxyUids?: readonly (number | string)[];
  /** Groups likewise; Istio's 1337. */
  proxyGids?: readonly (number | string)[];
  /** Inbound ports redirected to the inbound capture port: `*` (all) or a list; none by default. */
  inboundPorts?: '*' | readonly number[];
  /** With `inboundPorts: '*'`, ports left alone (Istio's injector: 15090, 15021, 15020). */
  inboundPortsExclude?: readonly number[];
  /** Outbound destination ports always captured. */
  outboundPorts?: readonly number[];
  /** Outbound destination ports never captured (tcp and udp). */
  outboundPortsExclude?: readonly number[];
  /** Outbound destination ranges captured: `*` (all) or CIDRs; none by default. */
  outboundIpRanges?: '*' | readonly string[];
  /** Outbound destination ranges never captured. */
  outboundIpRangesExclude?: readonly string[];
  /** Interfaces whose traffic is never captured. */
  excludeInterfaces?: readonly string[];
  /** The loopback range that is never captured; Istio's 127.0.0.1/32. */
  hostLoopbackCidr?: string;
}

/**
 * What `trellis up --outbound transparent` uses for a workload (Istio's sidecar injector's values):
 * every inbound port but the proxy's own servers (15000 admin, 15020, 15021 health, 15090
 * Prometheus), every outbound destination.
 */
export const WORKLOAD_CAPTURE_DEFAULTS: Readonly<CaptureOptions> = {
  inboundPorts: '*',
  inboundPortsExclude: [15090, 15021, 15020, 15000],
  outboundIpRanges: '*',
};

export class CaptureOptionError extends Error {
  readonly code = 'E_USAGE';
  constructor(readonly option: string, message: string) {
    super(`capture option ${option}: ${message}`);
    this.name = 'CaptureOptionError';
  }
}

export const Chain = {
  Inbound: 'ISTIO_INBOUND',
  Redirect: 'ISTIO_REDIRECT',
  InRedirect: 'ISTIO_IN_REDIRECT',
  Output: 'ISTIO_OUTPUT',
} as const;

/** The source Istio's inbound clusters bind (compile/clusters: INBOUND_PASSTHROUGH_BIND_IPV4). */
export const INBOUND_PASSTHROUGH_SOURCE = '127.0.0.6/32';

function port(option: string, p: number): number {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new CaptureOptionError(option, `${JSON.stringify(p)} is not a port (an integer 1..65535)`);
  return p;
}

function cidr(option: string, c: string): string {
  const [ip, len, extra] = c.split('/');
  const n = len === undefined ? 32 : Number(len);
  if (extra !== undefined || !ip || !isIPv4(ip) || !Number.isInteger(n) || n < 0 || n > 32 || (len !== undefined && !/^\d+$/.test(len))) {
    throw new CaptureOptionError(option, `${JSON.stringify(c)} is not an IPv4 CIDR (e.g. 10.0.0.0/8 or 240.240.0.0/16)`);
  }
  return `${ip}/${n}`;
}

function owner(option: string, v: number | string): string {
  const s = String(v);
  if (!/^(\d+|[a-z_][a-z0-9_-]*\$?)$/i.test(s)) throw new CaptureOptionError(option, `${JSON.stringify(s)} is not a numeric id or a user/group name`);
  return s;
}

function iface(option: string, v: string): string {
  if (!/^[^\s/:]{1,15}$/.test(v)) throw new CaptureOptionError(option, `${JSON.stringify(v)} is not an interface name (1-15 characters, no spaces, '/' or ':')`);
  return v;
}

/** `--dport P` for one port, `-m multiport --dports a,b,…` (at most 15 each) for more. */
function dports(ports: readonly number[]): string[] {
  if (ports.length === 1) return [`--dport ${ports[0]}`];
  const out: string[] = [];
  for (let i = 0; i < ports.length; i += 15) out.push(`-m multiport --dports ${ports.slice(i, i + 15).join(',')}`);
  return out;
}

function isLoopbackCidr(c: string): boolean {
  return c.startsWith('127.');
}

/** The nat table rules, as iptables-restore reads them (`* nat` … `COMMIT`). */
export function iptablesRules(o: CaptureOptions = {}): string {
  const proxyPort = port('proxyPort', o.proxyPort ?? 15001);
  const inPort = port('inboundCapturePort', o.inboundCapturePort ?? 15006);
  const tunnel = port('inboundTunnelPort', o.inboundTunnelPort ?? 15008);
  const uids = (o.proxyUids ?? [1337]).map((u) => owner('proxyUids', u));
  const gids = (o.proxyGids ?? [1337]).map((g) => owner('proxyGids', g));
  const loopback = cidr('hostLoopbackCidr', o.hostLoopbackCidr ?? '127.0.0.1/32');
  const inExclude = (o.inboundPortsExclude ?? []).map((p) => port('inboundPortsExclude', p));
  const outPorts = (o.outboundPorts ?? []).map((p) => port('outboundPorts', p));
  const outExclude = (o.outboundPortsExclude ?? []).map((p) => port('outboundPortsExclude', p));
  const exclude = (o.outboundIpRangesExclude ?? []).map((c) => cidr('outboundIpRangesExclude', c));
  const include = o.outboundIpRanges === '*' ? '*' : (o.outboundIpRanges ?? []).map((c) => cidr('outboundIpRanges', c));
  const inbound = o.inboundPorts === '*' ? '*' : (o.inboundPorts ?? []).map((p) => port('inboundPorts', p));
  const nics = (o.excludeInterfaces ?? []).map((n) => iface('excludeInterfaces', n));

  const r: string[] = ['* nat', ...Object.values(Chain).map((c) => `-N ${c}`)];
  for (const n of nics) r.push(`-A PREROUTING -i ${n} -j RETURN`, `-A OUTPUT -o ${n} -j RETURN`);
  r.push(
    `-A ${Chain.Inbound} -p tcp --dport ${tunnel} -j RETURN`,
    `-A ${Chain.Redirect} -p tcp -j REDIRECT --to-ports ${proxyPort}`,
    `-A ${Chain.InRedirect} -p tcp -j REDIRECT --to-ports ${inPort}`,
  );
  if (inbound === '*' || inbound.length > 0) {
    r.push(`-A PREROUTING -p tcp -j ${Chain.Inbound}`);
    if (inbound === '*') {
      if (inExclude.length) for (const d of dports(inExclude)) r.push(`-A ${Chain.Inbound} -p tcp ${d} -j RETURN`);
      r.push(`-A ${Chain.Inbound} -p tcp -j ${Chain.InRedirect}`);
    } else {
      for (const p of inbound) r.push(`-A ${Chain.Inbound} -p tcp --dport ${p} -j ${Chain.InRedirect}`);
    }
  }
  r.push(`-A OUTPUT -j ${Chain.Output}`);
  if (outExclude.length) {
    for (const d of dports(outExclude)) r.push(`-A ${Chain.Output} -p tcp ${d} -j RETURN`);
    for (const d of dports(outExclude)) r.push(`-A ${Chain.Output} -p udp ${d} -j RETURN`);
  }
  r.push(`-A ${Chain.Output} -o lo -s ${INBOUND_PASSTHROUGH_SOURCE} -j RETURN`);
  // Explicitly capturing a loopback range keeps other programs' lo traffic in play (Istio: HasLoopBackIP).
  const capturesLoopback = include !== '*' && include.some(isLoopbackCidr);
  for (const [flag, ids] of [['--uid-owner', uids], ['--gid-owner', gids]] as const) {
    for (const id of ids) {
      r.push(`-A ${Chain.Output} -o lo ! -d ${loopback} -p tcp ! --dport ${tunnel} -m owner ${flag} ${id} -j ${Chain.InRedirect}`);
      if (!capturesLoopback) r.push(`-A ${Chain.Output} -o lo -m owner ! ${flag} ${id} -j RETURN`);
      r.push(`-A ${Chain.Output} -m owner ${flag} ${id} -j RETURN`);
    }
  }
  r.push(`-A ${Chain.Output} -d ${loopback} -j RETURN`);
  for (const c of exclude) r.push(`-A ${Chain.Output} -d ${c} -j RETURN`);
  for (const p of outPorts) r.push(`-A ${Chain.Output} -p tcp --dport ${p} -j ${Chain.Redirect}`);
  if (include === '*') r.push(`-A ${Chain.Output} -j ${Chain.Redirect}`);
  else for (const c of include) r.push(`-A ${Chain.Output} -d ${c} -j ${Chain.Redirect}`);
  r.push('COMMIT', '');
  return r.join('\n');
}
