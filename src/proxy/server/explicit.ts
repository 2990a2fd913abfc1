/**
 * Explicit outbound mode (the app's HTTP_PROXY points at IP:15001): absolute-form requests
 * (`GET http://demoapp:8080/canary`) and CONNECT tunnels are routed as if the connection had been
 * captured to that service's port. The proxy knows the host name, not a VIP, so it takes the
 * outbound listener of the port (`127.0.0.1_PORT` as Istio builds them for INTERCEPTION_MODE NONE,
 * or `0.0.0.0_PORT`), selects its filter chain for a plaintext HTTP connection to that port, and
 * routes by the Host through that listener's route table (whose virtual hosts carry the service's
 * short and long names). A port without an outbound listener follows the outbound traffic policy
 * the route tables reveal: a `block_all` virtual host (REGISTRY_ONLY) → blocked (502, logged,
 * counted); otherwise (ALLOW_ANY) → PassthroughCluster to the host and port as requested.
 */
import type { Listener } from '../../api/envoy/listener.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { selectFilterChain } from '../listener/match.js';
import { chainTerminal } from '../listener/terminal.js';
import { ENVOY_DEFAULT_ROUTE_TIMEOUT, type RouteDecision } from '../router/index.js';
import type { HttpTarget } from './http-handler.js';

export function splitHostPort(authority: string, dflt: number): { host: string; port: number } {
  // `host` or `host:digits`, the usual shapes, without a regex.
  if (authority.charCodeAt(0) !== 91 /* [ */) {
    const i = authority.indexOf(':');
    if (i < 0) return { host: authority, port: dflt };
    let digits = i + 1 < authority.length;
    for (let j = i + 1; j < authority.length && digits; j++) {
      const c = authority.charCodeAt(j);
      digits = c >= 48 && c <= 57;
    }
    if (digits) return { host: authority.slice(0, i), port: Number(authority.slice(i + 1)) };
  }
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(authority);
  const host = (m?.[1] ?? authority).replace(/^\[|\]$/g, '');
  return { host, port: m?.[2] ? Number(m[2]) : dflt };
}

const outboundCache = new WeakMap<RuntimeSnapshot, Map<number, Listener | null>>();

/** The outbound listener serving `port` (not inbound, not the capture listeners). */
export function outboundListener(s: RuntimeSnapshot, port: number): Listener | undefined {
  let m = outboundCache.get(s);
  if (!m) outboundCache.set(s, (m = new Map()));
  let l = m.get(port);
  if (l === undefined) {
    l = null;
    for (const e of s.listeners.values()) {
      const x = e.listener;
      if (x.trafficDirection === 'INBOUND' || x.name === 'virtualOutbound' || x.name === 'virtualInbound') continue;
      if (x.address.socketAddress?.portValue !== port) continue;
      const a = x.address.socketAddress.address;
      if (a === '127.0.0.1' || a === '0.0.0.0' || a === '::') { l = x; break; }
      l ??= x;
    }
    m.set(port, l);
  }
  return l ?? undefined;
}

const policyCache = new WeakMap<RuntimeSnapshot, 'REGISTRY_ONLY' | 'ALLOW_ANY'>();

/** The outbound traffic policy as the route tables show it. */
export function outboundPolicy(s: RuntimeSnapshot): 'REGISTRY_ONLY' | 'ALLOW_ANY' {
  let p = policyCache.get(s);
  if (!p) {
    p = 'ALLOW_ANY';
    for (const r of s.routes.values()) if (r.config.virtualHosts?.some((v) => v.name === 'block_all')) p = 'REGISTRY_ONLY';
    policyCache.set(s, p);
  }
  return p;
}

function plain(cluster: string, authority: string, path: string): RouteDecision {
  return { kind: 'cluster', cluster, path, authority, rewrites: [], timeout: cluster === 'PassthroughCluster' ? '0s' : ENVOY_DEFAULT_ROUTE_TIMEOUT };
}

/**
 * Whether a tcp_proxy of an outbound listener is for `host`: its cluster's FQDN
 * (`outbound|PORT|SUBSET|FQDN`) is the host or starts with `host.` (short names). A TCP port
 * carries no Host, so in explicit mode the name is the only way to tell services apart.
 */
export function tcpServesHost(clusters: readonly string[], host: string): boolean {
  const h = host.toLowerCase();
  return clusters.some((c) => {
    const fqdn = c.split('|')[3];
    if (!fqdn) return c === 'PassthroughCluster';
    return fqdn === h || fqdn.startsWith(`${h}.`);
  });
}

const httpTargets = new WeakMap<RuntimeSnapshot, Map<number, HttpTarget | null>>();
/** The last snapshot's entry of httpTargets (the per-request lookup skips the WeakMap). */
let lastSnapshot: RuntimeSnapshot | undefined;
let lastTargets: Map<number, HttpTarget | null> | undefined;

/** The port of `host:digits`, else what splitHostPort finds (per request: no object for the usual shape). */
function portOf(authority: string, dflt: number): number {
  const i = authority.lastIndexOf(':');
  if (i < 0) return dflt;
  let port = 0;
  for (let j = i + 1; j < authority.length; j++) {
    const c = authority.charCodeAt(j);
    if (c < 48 || c > 57 || port > 65535) return splitHostPort(authority, dflt).port;
    port = port * 10 + (c - 48);
  }
  return i + 1 < authority.length && authority.indexOf(':') === i ? port : splitHostPort(authority, dflt).port;
}

const EXPLICIT_HCM = Object.freeze({ statPrefix: 'explicit', httpFilters: [] });

/** What serves an explicit-mode request for `authority` (default port 80). */
export function explicitTarget(s: RuntimeSnapshot, authority: string, path: string, dfltPort = 80): HttpTarget | undefined {
  const port = portOf(authority, dfltPort);
  // The HTTP target of a port does not depend on the request: chosen once per snapshot.
  let byPort = s === lastSnapshot ? lastTargets : httpTargets.get(s);
  if (!byPort) httpTargets.set(s, (byPort = new Map()));
  lastSnapshot = s;
  lastTargets = byPort;
  const cached = byPort.get(port);
  if (cached) return cached;
  if (cached === undefined) {
    const t = httpTargetOf(s, port);
    byPort.set(port, t ?? null);
    if (t) return t;
  }
  return otherTarget(s, authority, path, port, dfltPort);
}

/** The port's outbound listener's HTTP route table, if that is what its plaintext HTTP filter chain ends in. */
function httpTargetOf(s: RuntimeSnapshot, port: number): HttpTarget | undefined {
  const l = outboundListener(s, port);
  if (!l) return undefined;
  const addr = l.address.socketAddress?.address ?? '0.0.0.0';
  const t = chainTerminal(selectFilterChain(l, { destinationAddress: addr, destinationPort: port, http: 'http/1.1' }).chain);
  return t.kind === 'http' ? { hcm: t.hcm, table: s.routeTableFor(t.hcm) } : undefined;
}

/** A port without an HTTP route table: its TCP proxy when that serves the host, else the outbound traffic policy. */
function otherTarget(s: RuntimeSnapshot, authority: string, path: string, port: number, dfltPort: number): HttpTarget {
  const l = outboundListener(s, port);
  if (l) {
    const addr = l.address.socketAddress?.address ?? '0.0.0.0';
    const t = chainTerminal(selectFilterChain(l, { destinationAddress: addr, destinationPort: port, http: 'http/1.1' }).chain);
    if (t.kind === 'tcp') {
      const names = t.cluster ? [t.cluster] : (t.weightedClusters ?? []).map((c) => c.name);
      if (names.length && tcpServesHost(names, splitHostPort(authority, dfltPort).host)) return { hcm: EXPLICIT_HCM, table: undefined, fixed: plain(names[0]!, authority, path) };
    }
  }
  const cluster = outboundPolicy(s) === 'REGISTRY_ONLY' ? 'BlackHoleCluster' : 'PassthroughCluster';
  return { hcm: EXPLICIT_HCM, table: undefined, fixed: plain(cluster, authority, path) };
}
