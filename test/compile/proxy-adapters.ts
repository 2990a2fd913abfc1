/**
 * Thin adapters from the compiler tests' request shapes to the data plane's own matchers
 * (src/proxy/listener, src/proxy/router), so those tests simulate requests with the code the
 * proxy and `trellis explain` run — no second implementation. Only argument mapping and result
 * formatting live here; `compile` also asserts that every listener round-trips through the real
 * Envoy protos.
 */
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { FilterChain, Listener } from '../../src/api/envoy/listener.js';
import type { Route, RouteConfiguration, VirtualHost } from '../../src/api/envoy/route.js';
import { VIRTUAL_INBOUND_LISTENER, VIRTUAL_OUTBOUND_LISTENER } from '../../src/api/names.js';
import { checkRoundTrip } from '../../src/api/xds/codec.js';
import { compileListeners, type ListenerOptions } from '../../src/compile/listeners/index.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';
import { selectFilterChain, selectListener, type Connection } from '../../src/proxy/listener/match.js';
import { chainTerminal } from '../../src/proxy/listener/terminal.js';
import { compileRouteTable, matchRoute } from '../../src/proxy/router/index.js';
import { proxyFor } from '../helpers/snapshot.js';

// ---- routes ------------------------------------------------------------------------------------

export interface SimRequest {
  host: string;
  path: string;
  method?: string;
  scheme?: string;
  headers?: Record<string, string>;
}

export interface SimResult {
  virtualHost?: VirtualHost;
  route?: Route;
}

/** The virtual host and first matching route for a request (src/proxy/router). */
export function simulate(rc: RouteConfiguration, req: SimRequest): SimResult {
  const m = matchRoute(compileRouteTable(rc), { authority: req.host, path: req.path, method: req.method, scheme: req.scheme, headers: req.headers });
  return { virtualHost: m.virtualHost, route: m.route };
}

/** Where a matched route sends the request: a cluster, weighted clusters, or a fixed action. */
export function target(route: Route | undefined): string {
  if (!route) return '(no route)';
  if (route.route?.cluster) return route.route.cluster;
  if (route.route?.weightedClusters) return route.route.weightedClusters.clusters.map((c) => `${c.name}=${c.weight}`).join(',');
  if (route.directResponse) return `direct:${route.directResponse.status}`;
  if (route.redirect) return 'redirect';
  return '(none)';
}

// ---- listeners ---------------------------------------------------------------------------------

export interface Conn {
  address: string;
  port: number;
  sni?: string;
  /** Plaintext HTTP/1.1 (what the http_inspector would detect). */
  http?: boolean;
  tls?: boolean;
}

function toConnection(c: Conn): Connection {
  const conn: Connection = { destinationAddress: c.address, destinationPort: c.port };
  if (c.tls) conn.tls = { sni: c.sni };
  else if (c.http) conn.http = 'http/1.1';
  return conn;
}

/** Envoy's filter chain selection (src/proxy/listener/match.ts). */
export function pickChain(l: Listener, c: Conn): FilterChain | undefined {
  return selectFilterChain(l, toConnection(c)).chain;
}

/** The listener an outbound connection lands on: iptables → virtualOutbound → original_dst hand-off. */
export function pickOutbound(ls: readonly Listener[], c: Conn): Listener {
  const vo = ls.find((l) => l.name === VIRTUAL_OUTBOUND_LISTENER);
  assert.ok(vo, 'no virtualOutbound');
  const sa = vo.address.socketAddress!;
  const choice = selectListener(ls, toConnection(c), { address: sa.address, port: sa.portValue! });
  assert.ok(choice.listener, choice.reasons.join('; '));
  return choice.listener;
}

export type Outcome = { rds: string } | { routeCluster: string; vhost: string } | { cluster: string } | { weighted: string[] };

export function outcome(chain: FilterChain | undefined): Outcome {
  assert.ok(chain, 'no filter chain matched');
  const t = chainTerminal(chain);
  if (t.kind === 'http') {
    if (t.rds !== undefined) return { rds: t.rds };
    const vh = t.routeConfig!.virtualHosts![0]!;
    return { routeCluster: vh.routes![0]!.route!.cluster!, vhost: vh.name };
  }
  assert.equal(t.kind, 'tcp', `unexpected chain terminal ${t.kind}`);
  if (t.kind !== 'tcp') throw new Error('unreachable');
  if (t.weightedClusters) return { weighted: t.weightedClusters.map((w) => `${w.name}:${w.weight}`) };
  return { cluster: t.cluster! };
}

export function outbound(ls: readonly Listener[], c: Conn): Outcome & { listener: string } {
  const l = pickOutbound(ls, c);
  return { listener: l.name, ...outcome(pickChain(l, c)) };
}

export function inbound(ls: readonly Listener[], c: Conn): Outcome & { chain: string } {
  const vi = ls.find((l) => l.name === VIRTUAL_INBOUND_LISTENER);
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
