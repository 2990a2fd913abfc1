/**
 * The explain engine: one request walked through one workload's compiled config (compileProxy)
 * with the data plane's own matchers (proxy/listener, proxy/router) — listener and filter chain,
 * route configuration, virtual host, route (and why each earlier route did not match), weighted
 * choice, rewrites, policies, cluster and endpoints — each decision naming the xDS object and
 * field behind it and the Istio object (file:line) that produced it. Pure apart from the random
 * value for weighted choices, which callers pass in.
 */
import type { RouteConfiguration } from '../../api/envoy/route.js';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../../api/names.js';
import { compileProxy, type ProxyConfig } from '../../compile/index.js';
import { BLOCK_ALL_VHOST } from '../../compile/routes/catch-all.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { selectFilterChain, selectListener, type Connection } from '../../proxy/listener/match.js';
import { chainTerminal } from '../../proxy/listener/terminal.js';
import { applyRoute, compileRouteTable, matchRoute, pickWeighted, requireTls, toRouterRequest, type RouteDecision } from '../../proxy/router/index.js';
import { parseRequest, resolveDestination, type RequestFlags } from './destination.js';
import { blocked, noRoute } from './diagnose.js';
import { configSource, describeSource } from './sources.js';
import type { Explanation, Outcome, Step } from './types.js';
import { explainUpstream } from './upstream.js';

export interface ExplainOptions extends RequestFlags {
  /** Random value for weighted choices (Envoy: `random % totalWeight`); default 0. */
  random?: number;
  /** Precompiled config for `proxy` (default: compileProxy(snapshot, proxy)). */
  config?: ProxyConfig;
}

function describePolicies(d: RouteDecision): string[] {
  const out: string[] = [];
  if (d.timeout !== undefined) out.push(`timeout ${d.timeout}${d.timeoutSource === 'envoy default' ? ' (Envoy default: the route sets none)' : ''}`);
  if (d.retryPolicy) {
    const r = d.retryPolicy;
    out.push(`retries: ${r.numRetries ?? 1} on ${r.retryOn ?? '(none)'}${r.perTryTimeout ? `, perTryTimeout ${r.perTryTimeout}` : ''}`);
  }
  if (d.fault?.delay) out.push(`fault delay ${d.fault.delay.fixedDelay} for ${JSON.stringify(d.fault.delay.percentage)}`);
  if (d.fault?.abort) out.push(`fault abort ${d.fault.abort.httpStatus ?? `grpc ${d.fault.abort.grpcStatus}`} for ${JSON.stringify(d.fault.abort.percentage)}`);
  if (d.cors) out.push(`cors ${JSON.stringify({ ...d.cors, '@type': undefined })}`);
  if (d.mirrors?.length) out.push(`mirror to ${d.mirrors.map((m) => m.cluster).join(', ')}`);
  if (d.hashPolicy?.length) out.push(`hashPolicy ${JSON.stringify(d.hashPolicy)}`);
  return out;
}

export function explainRequest(snapshot: Snapshot, proxy: Proxy, url: string, opts: ExplainOptions = {}): Explanation {
  const cfg = opts.config ?? compileProxy(snapshot, proxy);
  const spec = parseRequest(url, opts);
  const dst = resolveDestination(snapshot, proxy, spec, cfg.listeners);
  const steps: Step[] = [];
  const clusters = new Set<string>();
  const ex: Explanation = {
    workload: {
      namespace: proxy.namespace, name: proxy.workloadName, podName: proxy.podName, proxyType: proxy.type, ip: proxy.ip, labels: { ...proxy.labels },
    },
    request: spec,
    destination: { address: dst.address, port: dst.port, how: dst.how },
    skippedRoutes: [], endpoints: [], clusters: [], steps,
    outcome: { kind: 'error', message: 'not evaluated' },
  };
  const finish = (outcome: Outcome): Explanation => {
    ex.outcome = outcome;
    ex.clusters = [...clusters];
    return ex;
  };
  steps.push({ step: 'destination', decision: `${spec.transport} to ${dst.address}:${dst.port}`, details: [dst.how] });

  // ---- listener and filter chain --------------------------------------------------------------
  const conn: Connection = { destinationAddress: dst.address, destinationPort: dst.port, sourceAddress: proxy.ip };
  if (spec.transport === 'http') conn.http = 'http/1.1';
  if (spec.transport === 'tls') conn.tls = { sni: spec.sni, alpn: ['h2', 'http/1.1'] };
  const lc = selectListener(cfg.listeners, conn, dst.accept);
  if (!lc.listener) {
    steps.push({ step: 'listener', decision: 'no listener', details: lc.reasons });
    return finish({ kind: 'error', message: `connection refused: ${lc.reasons.join('; ')}` });
  }
  const l = lc.listener;
  ex.listener = l.name;
  if (lc.acceptedBy) ex.acceptedBy = lc.acceptedBy.name;
  steps.push({
    step: 'listener', decision: lc.acceptedBy ? `${lc.acceptedBy.name} → ${l.name}` : l.name, object: `Listener ${l.name}`,
    field: lc.acceptedBy ? `${lc.acceptedBy.name}.useOriginalDst` : 'address', details: lc.reasons,
  });
  const fc = selectFilterChain(l, conn);
  ex.filterChain = fc.name;
  steps.push({
    step: 'filterChain', decision: fc.chain ? `${fc.name}${fc.isDefault ? ' (default filter chain)' : ''}` : 'none: connection closed',
    object: `Listener ${l.name}`, field: fc.isDefault ? 'defaultFilterChain' : fc.index >= 0 ? `filterChains[${fc.index}].filterChainMatch` : undefined,
    details: [...fc.detected.notes, ...fc.reasons, ...fc.losers.map((x) => `${x.name} lost on ${x.criterion}: ${x.reason}`)],
  });
  const term = chainTerminal(fc.chain);
  const where = `${l.name} ${fc.name}`;

  // ---- TCP / TLS passthrough ------------------------------------------------------------------
  if (term.kind === 'none') return finish({ kind: 'error', message: `connection closed: no filter chain of ${l.name} takes it` });
  if (term.kind === 'sni_cluster') {
    const name = spec.sni ?? '';
    clusters.add(name);
    steps.push({ step: 'cluster', decision: `sni_cluster: the SNI ${name} names the cluster`, object: `Listener ${l.name}`, field: 'sni_cluster' });
    return upstream(name, undefined, false);
  }
  if (term.kind === 'tcp') {
    let name = term.cluster ?? '';
    if (term.weightedClusters) {
      const w = pickWeighted(term.weightedClusters, opts.random ?? 0);
      for (const c of w.clusters) clusters.add(c.name);
      ex.weightedClusters = { clusters: w.clusters, totalWeight: w.totalWeight, random: w.random, chosen: w.chosen };
      steps.push({ step: 'weightedClusters', decision: `${w.chosen} (random ${w.random} % ${w.totalWeight} = ${w.selected})`, object: `Listener ${l.name}`, field: 'tcp_proxy.weightedClusters', details: w.clusters.map((c) => `${c.name} weight ${c.weight}`) });
      name = w.chosen;
    }
    clusters.add(name);
    steps.push({ step: 'action', decision: `tcp_proxy → ${name}`, object: `Listener ${l.name}`, field: `${fc.name}.tcp_proxy.cluster` });
    return upstream(name, undefined, false);
  }

  // ---- HTTP routing ---------------------------------------------------------------------------
  let rc: RouteConfiguration | undefined;
  if (term.rds !== undefined) {
    rc = cfg.routes.find((r) => r.name === term.rds);
    if (!rc) {
      steps.push({ step: 'routeConfiguration', decision: `RDS ${term.rds} is missing`, object: `Listener ${l.name}`, field: 'rds.routeConfigName' });
      return finish({ kind: 'error', status: 404, responseFlag: 'NR', message: `404 NR: route configuration ${term.rds} named by ${l.name} does not exist` });
    }
    steps.push({ step: 'routeConfiguration', decision: `RDS ${rc.name}`, object: `Listener ${l.name}`, field: `${fc.name}.http_connection_manager.rds.routeConfigName` });
  } else {
    rc = term.routeConfig;
    if (!rc) return finish({ kind: 'error', message: 'the HTTP connection manager has no route configuration' });
    steps.push({ step: 'routeConfiguration', decision: `inline ${rc.name}`, object: `Listener ${l.name}`, field: `${fc.name}.http_connection_manager.routeConfig` });
  }
  ex.routeConfiguration = rc.name;
  const table = compileRouteTable(rc);
  const req = toRouterRequest({ authority: spec.authority, path: spec.path, method: spec.method, scheme: 'http', headers: spec.headers });
  const m = matchRoute(table, req);
  if (!m.virtualHost) {
    steps.push({ step: 'virtualHost', decision: `no virtual host matches ${m.host}`, object: `RouteConfiguration ${rc.name}`, field: 'virtualHosts[].domains' });
    return finish(noRoute(snapshot, table, m, spec));
  }
  const vh = m.virtualHost;
  ex.virtualHost = vh.name;
  steps.push({
    step: 'virtualHost', decision: `${vh.name} (${m.domain!.kind} domain ${m.domain!.domain})`, object: `RouteConfiguration ${rc.name}`,
    field: `virtualHosts[${m.domain ? (rc.virtualHosts ?? []).indexOf(vh) : -1}].domains`,
    details: [`Host ${JSON.stringify(spec.authority)} matched as ${JSON.stringify(m.host)}${rc.ignorePortInHostMatching ? ' (ignorePortInHostMatching)' : ''}`],
  });
  ex.skippedRoutes = m.reasons.map((r) => {
    const src = configSource(snapshot, r.route.metadata);
    return { index: r.index, name: r.name, match: r.match, reasons: r.reasons, ...(src ? { source: src } : {}) };
  });
  for (const r of m.reasons) {
    if (r.route.route?.cluster) clusters.add(r.route.route.cluster);
    for (const w of r.route.route?.weightedClusters?.clusters ?? []) clusters.add(w.name);
  }
  const tls = requireTls(vh, req);
  if (tls) {
    steps.push({ step: 'action', decision: `redirect ${tls.redirect!.status} to ${tls.redirect!.location}`, object: `VirtualHost ${vh.name}`, field: 'requireTls' });
    return finish({ kind: 'redirect', status: tls.redirect!.status, message: `${tls.redirect!.status} redirect to ${tls.redirect!.location} (virtual host ${vh.name} requires TLS)` });
  }
  if (!m.route) {
    steps.push({
      step: 'route', decision: 'no route matches', object: `VirtualHost ${vh.name}`, field: 'routes',
      details: ex.skippedRoutes.map((s) => `${s.name}: ${s.reasons.join('; ')}`),
    });
    return finish(noRoute(snapshot, table, m, spec));
  }
  const route = m.route;
  const rsrc = configSource(snapshot, route.metadata, 'spec.http');
  ex.route = { index: m.index, name: m.routeName!, match: m.matchDescription!, ...(rsrc ? { source: rsrc } : {}) };
  steps.push({
    step: 'route', decision: `${m.routeName} (routes[${m.index}]: ${m.matchDescription})`, object: `VirtualHost ${vh.name}`, field: `routes[${m.index}].match`,
    source: rsrc,
    details: [...ex.skippedRoutes.map((s) => `skipped ${s.name}: ${s.reasons.join('; ')}`), ...m.notes],
  });
  const d = applyRoute(route, vh, req, opts.random ?? 0);
  const policies = describePolicies(d);
  if (d.kind === 'redirect') {
    steps.push({ step: 'action', decision: `redirect ${d.redirect!.status} to ${d.redirect!.location}`, object: `Route ${m.routeName}`, field: 'redirect', source: rsrc });
    return finish({ kind: 'redirect', status: d.redirect!.status, message: `${d.redirect!.status} redirect to ${d.redirect!.location}` });
  }
  if (d.kind === 'directResponse' && vh.name === BLOCK_ALL_VHOST) {
    // Istio's REGISTRY_ONLY catch-all virtual host: unknown hosts on a known HTTP port get 502.
    steps.push({ step: 'action', decision: `direct response ${d.directResponse!.status}`, object: `Route ${m.routeName}`, field: 'directResponse' });
    const b = blocked(snapshot, proxy, spec, dst.service, `${where} → virtual host ${vh.name}`, true);
    steps.push({ step: 'blocked', decision: b.outcome.message, object: `VirtualHost ${vh.name}`, source: b.sidecar, details: b.outcome.suggestions });
    return finish({ ...b.outcome, status: d.directResponse!.status, cluster: undefined });
  }
  if (d.kind === 'directResponse') {
    steps.push({ step: 'action', decision: `direct response ${d.directResponse!.status}`, object: `Route ${m.routeName}`, field: 'directResponse', source: rsrc });
    return finish({ kind: 'directResponse', status: d.directResponse!.status, message: `direct response ${d.directResponse!.status}${d.directResponse!.body ? `: ${d.directResponse!.body}` : ''}` });
  }
  if (d.kind === 'none' || !d.cluster) return finish({ kind: 'error', message: `route ${m.routeName} has no action` });
  if (d.weighted) {
    const w = d.weighted;
    for (const c of w.clusters) clusters.add(c.name);
    ex.weightedClusters = { clusters: w.clusters, totalWeight: w.totalWeight, random: w.random, chosen: w.chosen };
    steps.push({
      step: 'weightedClusters', decision: `${w.chosen} (random ${w.random} % ${w.totalWeight} = ${w.selected})`, object: `Route ${m.routeName}`,
      field: 'route.weightedClusters', source: rsrc,
      details: w.clusters.map((c) => `${c.name} weight ${c.weight} (${w.totalWeight ? Math.round((c.weight / w.totalWeight) * 1000) / 10 : 0}%)`),
    });
  } else {
    steps.push({ step: 'action', decision: `route → ${d.cluster}`, object: `Route ${m.routeName}`, field: 'route.cluster', source: rsrc });
  }
  clusters.add(d.cluster);
  ex.rewrite = { path: d.path, authority: d.authority };
  if (d.rewrites.length) {
    steps.push({ step: 'rewrite', decision: `${spec.path} → ${d.path}${d.authority !== spec.authority ? `, Host ${d.authority}` : ''}`, object: `Route ${m.routeName}`, field: 'route.prefixRewrite|regexRewrite|hostRewriteLiteral', details: d.rewrites });
  }
  if (policies.length) steps.push({ step: 'policy', decision: policies[0]!, object: `Route ${m.routeName}`, field: 'route', details: policies.slice(1) });
  return upstream(d.cluster, d.hashPolicy, true);

  function upstream(name: string, hashPolicy: RouteDecision['hashPolicy'], httpRoute: boolean): Explanation {
    if (name === BLACKHOLE_CLUSTER) {
      const b = blocked(snapshot, proxy, spec, dst.service, where + (ex.virtualHost ? ` → virtual host ${ex.virtualHost}` : ''), httpRoute);
      steps.push({ step: 'blocked', decision: b.outcome.message, object: 'Cluster BlackHoleCluster', source: b.sidecar, details: b.outcome.suggestions });
      clusters.add(name);
      return finish(b.outcome);
    }
    const up = explainUpstream(snapshot, proxy, cfg, name, hashPolicy, { address: dst.address, port: dst.port });
    steps.push(...up.steps);
    if (up.cluster) ex.cluster = up.cluster;
    ex.endpoints = up.endpoints;
    if (up.failure) return finish(up.failure);
    if (name === PASSTHROUGH_CLUSTER) {
      return finish({ kind: 'passthrough', cluster: name, message: `passed through to the original destination ${dst.address}:${dst.port} (PassthroughCluster, outboundTrafficPolicy ALLOW_ANY)` });
    }
    const src = up.cluster?.destinationRule ?? up.cluster?.services?.[0];
    return finish({
      kind: 'forwarded', cluster: name,
      message: `forwarded to ${name} (${up.endpoints.length} endpoint(s))${ex.rewrite && ex.rewrite.path !== spec.path ? ` as ${ex.rewrite.path}` : ''}${src ? `; ${describeSource(src)}` : ''}`,
    });
  }
}
