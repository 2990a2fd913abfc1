/**
 * Test helper for the listener compiler: runs a connection (original destination address and
 * port, SNI, whether it is TLS or plaintext HTTP) through compiled listeners the way Envoy does —
 * the listener of the original destination (exact address, then 0.0.0.0) or virtualOutbound,
 * then the filter chain by destination port, prefix ranges, server names, transport protocol and
 * application protocols (the inspectors present decide what is known), then the default chain —
 * and reports where it ends: an RDS name, an inline route's cluster, or tcp_proxy cluster(s).
 * `compile` also asserts that every listener round-trips through the real Envoy protos.
 */
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { FilterChain, HttpConnectionManagerAny, Listener, TcpProxyAny } from '../../src/api/envoy/listener.js';
import { checkRoundTrip } from '../../src/api/xds/codec.js';
import { compileListeners, type ListenerOptions } from '../../src/compile/listeners/index.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';
import { proxyFor } from '../helpers/snapshot.js';

export interface Conn {
  address: string;
  port: number;
  sni?: string;
  /** ALPN seen by the inspectors: http/1.1 for plaintext HTTP when an http_inspector runs. */
  http?: boolean;
  tls?: boolean;
}

function ipInCidr(ip: string, prefix: string, len: number): boolean {
  const n = (a: string): number => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  if (!/^[\d.]+$/.test(ip) || !/^[\d.]+$/.test(prefix)) return ip === prefix;
  const mask = len === 0 ? 0 : 2 ** 32 - 2 ** (32 - len);
  return (n(ip) & mask) >>> 0 === (n(prefix) & mask) >>> 0;
}

/** Envoy's filter chain selection, criteria in order, most specific wins at each step. */
export function pickChain(l: Listener, c: Conn): FilterChain | undefined {
  const inspectors = new Set((l.listenerFilters ?? []).map((f) => f.name));
  const transport = c.tls && inspectors.has('envoy.filters.listener.tls_inspector') ? 'tls' : 'raw_buffer';
  const alpn = c.http && !c.tls && inspectors.has('envoy.filters.listener.http_inspector') ? ['http/1.1'] : [];
  const sni = c.tls && inspectors.has('envoy.filters.listener.tls_inspector') ? c.sni : undefined;
  let cands = l.filterChains ?? [];
  const step = (score: (fc: FilterChain) => number | undefined): void => {
    const scored = cands.map((fc) => ({ fc, s: score(fc) })).filter((x) => x.s !== undefined) as { fc: FilterChain; s: number }[];
    const best = Math.max(...scored.map((x) => x.s));
    cands = scored.filter((x) => x.s === best).map((x) => x.fc);
  };
  step((fc) => {
    const p = fc.filterChainMatch?.destinationPort;
    return p === undefined ? 0 : p === c.port ? 1 : undefined;
  });
  step((fc) => {
    const r = fc.filterChainMatch?.prefixRanges;
    if (!r?.length) return 0;
    const hit = r.filter((x) => ipInCidr(c.address, x.addressPrefix, x.prefixLen ?? 32));
    return hit.length ? 1 + Math.max(...hit.map((x) => x.prefixLen ?? 32)) : undefined;
  });
  step((fc) => {
    const names = fc.filterChainMatch?.serverNames;
    if (!names?.length) return 0;
    if (!sni) return undefined;
    if (names.includes(sni)) return 1000;
    const w = names.filter((n) => n.startsWith('*') && sni.endsWith(n.slice(1)));
    return w.length ? Math.max(...w.map((n) => n.length)) : undefined;
  });
  step((fc) => {
    const t = fc.filterChainMatch?.transportProtocol;
    return !t ? 0 : t === transport ? 1 : undefined;
  });
  step((fc) => {
    const a = fc.filterChainMatch?.applicationProtocols;
    return !a?.length ? 0 : a.some((x) => alpn.includes(x)) ? 1 : undefined;
  });
  return cands[0] ?? l.defaultFilterChain;
}

/** The listener an outbound connection lands on: iptables → virtualOutbound → original_dst hand-off. */
export function pickOutbound(ls: readonly Listener[], c: Conn): Listener {
  const byAddr = (a: string): Listener | undefined =>
    ls.find((l) => l.address.socketAddress?.address === a && l.address.socketAddress?.portValue === c.port && l.name !== 'virtualInbound');
  const hit = byAddr(c.address) ?? byAddr('0.0.0.0');
  if (hit) return hit;
  const vo = ls.find((l) => l.name === 'virtualOutbound');
  assert.ok(vo, 'no listener and no virtualOutbound');
  return vo;
}

export type Outcome = { rds: string } | { routeCluster: string; vhost: string } | { cluster: string } | { weighted: string[] };

export function outcome(chain: FilterChain | undefined): Outcome {
  assert.ok(chain, 'no filter chain matched');
  const last = chain.filters[chain.filters.length - 1]!;
  if (last.name === 'envoy.filters.network.http_connection_manager') {
    const hcm = last.typedConfig as HttpConnectionManagerAny;
    if (hcm.rds) return { rds: hcm.rds.routeConfigName };
    const vh = hcm.routeConfig!.virtualHosts![0]!;
    return { routeCluster: vh.routes![0]!.route!.cluster!, vhost: vh.name };
  }
  const tcp = last.typedConfig as TcpProxyAny;
  if (tcp.weightedClusters) return { weighted: tcp.weightedClusters.clusters.map((w) => `${w.name}:${w.weight}`) };
  return { cluster: tcp.cluster! };
}

export function outbound(ls: readonly Listener[], c: Conn): Outcome & { listener: string } {
  const l = pickOutbound(ls, c);
  return { listener: l.name, ...outcome(pickChain(l, c)) };
}

export function inbound(ls: readonly Listener[], c: Conn): Outcome & { chain: string } {
  const vi = ls.find((l) => l.name === 'virtualInbound');
  assert.ok(vi, 'no virtualInbound');
  const chain = pickChain(vi, c);
  return { chain: chain?.name ?? '', ...outcome(chain) };
}

export function compile(snap: Snapshot, ref: string, opts?: ListenerOptions): { proxy: Proxy; ls: Listener[] } {
  const proxy = proxyFor(snap, ref);
  const ls = compileListeners(snap, proxy, opts);
  for (const l of ls) assert.deepEqual(checkRoundTrip(TypeUrl.Listener, l), [], `listener ${l.name} does not round-trip`);
  return { proxy, ls };
}

export function vip(snap: Snapshot, host: string): string {
  const s = snap.servicesByHost(host)[0];
  assert.ok(s, `no service ${host}`);
  return s.addresses[0]!;
}

export const names = (ls: readonly Listener[]): string[] => ls.map((l) => l.name);

