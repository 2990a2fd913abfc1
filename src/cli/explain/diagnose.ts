/**
 * Why a request fails, in the user's terms: no route (404 NR — the closest virtual host or
 * route, with the VirtualService behind it and what differed) and REGISTRY_ONLY blocking (the
 * host, the Sidecar that set REGISTRY_ONLY or the mesh default, whether a Sidecar egress hides a
 * known service, and a ServiceEntry / Sidecar egress YAML that would let it through).
 */
import type { RouteMatchResult, RouteTable } from '../../proxy/router/index.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';
import { configSource, describeSource, refOf } from './sources.js';
import type { ExplainRequestSpec, Outcome, SourceRef } from './types.js';

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** 404 NR with the closest candidate named. */
export function noRoute(snapshot: Snapshot, table: RouteTable, m: RouteMatchResult, spec: ExplainRequestSpec): Outcome {
  if (!m.virtualHost) {
    const all = (table.config.virtualHosts ?? []).flatMap((vh) => vh.domains.map((d) => ({ vh, d })));
    const best = all.map((x) => ({ ...x, dist: distance(m.host, x.d.toLowerCase()) })).sort((a, b) => a.dist - b.dist)[0];
    const src = best ? configSource(snapshot, best.vh.routes?.[0]?.metadata) : undefined;
    return {
      kind: 'error', status: 404, responseFlag: 'NR',
      message: `404 NR: no virtual host of route configuration ${table.name} matches Host ${JSON.stringify(m.host)}` +
        (best ? `; closest is ${best.vh.name} (domain ${best.d})${src ? ` from ${describeSource(src)}` : ''}` : ''),
      suggestions: best ? [`send Host ${best.d}, or add ${spec.host} to the VirtualService's hosts`] : [],
    };
  }
  if (m.reasons.length === 0) {
    return { kind: 'error', status: 404, responseFlag: 'NR', message: `404 NR: virtual host ${m.virtualHost.name} has no routes` };
  }
  const closest = [...m.reasons].sort((a, b) => a.reasons.length - b.reasons.length || a.index - b.index)[0]!;
  const src = configSource(snapshot, closest.route.metadata);
  return {
    kind: 'error', status: 404, responseFlag: 'NR',
    message: `404 NR: no route of virtual host ${m.virtualHost.name} matches ${spec.method} ${spec.path}; closest is route ` +
      `${closest.name}${src ? ` of ${describeSource(src)}` : ''}: ${closest.reasons.join('; ')}`,
  };
}

function protocolFor(spec: ExplainRequestSpec): { protocol: string; prefix: string } {
  if (spec.transport === 'http') return { protocol: 'HTTP', prefix: 'http' };
  if (spec.transport === 'tls') return { protocol: 'TLS', prefix: 'tls' };
  return { protocol: 'TCP', prefix: 'tcp' };
}

export function serviceEntryYaml(spec: ExplainRequestSpec, namespace: string): string {
  const { protocol, prefix } = protocolFor(spec);
  const name = `${spec.host.replace(/[^a-z0-9-]/gi, '-').replace(/^-+|-+$/g, '').toLowerCase()}-${spec.port}`;
  return [
    'apiVersion: networking.istio.io/v1beta1',
    'kind: ServiceEntry',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  hosts:',
    `  - ${spec.host}`,
    '  ports:',
    `  - number: ${spec.port}`,
    `    name: ${prefix}-${spec.port}`,
    `    protocol: ${protocol}`,
    '  location: MESH_EXTERNAL',
    '  resolution: DNS',
    '',
  ].join('\n');
}

export interface Blocked {
  outcome: Outcome;
  sidecar?: SourceRef;
}

/** The request ended in BlackHoleCluster: say which policy did it and how to allow it. */
export function blocked(
  snapshot: Snapshot, proxy: Proxy, spec: ExplainRequestSpec, service: Service | undefined, where: string, httpRoute: boolean,
): Blocked {
  // An HTTP route to BlackHoleCluster answers 502; a tcp_proxy to it closes the connection.
  const status = httpRoute ? 502 : undefined;
  const scope = snapshot.sidecarScope(proxy);
  const sc = scope.sidecar;
  const sidecar = sc ? refOf(sc, 'spec.outboundTrafficPolicy.mode') : undefined;
  const hostPort = `${spec.host}:${spec.port}`;
  if (scope.outboundTrafficPolicy !== 'REGISTRY_ONLY') {
    return { outcome: { kind: 'blocked', status, cluster: 'BlackHoleCluster', message: `blocked: ${where} sends ${hostPort} to BlackHoleCluster` }, sidecar };
  }
  const by = sc && sc.spec.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY'
    ? `Sidecar ${sc.namespace}/${sc.name} (${sc.origin.file}:${sc.origin.line}, spec.outboundTrafficPolicy.mode)`
    : 'the mesh default (meshConfig.outboundTrafficPolicy.mode)';
  const suggestions: string[] = [];
  let message = `blocked: ${hostPort} is outside this proxy's registry view and outboundTrafficPolicy is REGISTRY_ONLY, set by ${by}; ${where} ${httpRoute ? 'blocks it' : 'sends it to BlackHoleCluster'}`;
  const egress = sc?.spec.egress ?? [];
  if (service) {
    message += `. ${service.hostname} is a known service (${service.origin.kind} ${service.namespace}/${service.name}, ${service.origin.file}:${service.origin.line}), ` +
      `but ${sc ? `Sidecar ${sc.namespace}/${sc.name}'s egress does not import it on port ${spec.port}` : 'it is not visible to this proxy (exportTo)'}`;
    if (sc) {
      const { protocol, prefix } = protocolFor(spec);
      suggestions.push([
        `add an egress listener to Sidecar ${sc.namespace}/${sc.name}:`,
        '  egress:',
        `  - port: {number: ${spec.port}, protocol: ${protocol}, name: ${prefix}-${spec.port}}`,
        `    hosts: ["${service.namespace}/${service.hostname}"]`,
      ].join('\n'));
    }
  } else {
    suggestions.push(`a ServiceEntry that would allow it:\n${serviceEntryYaml(spec, proxy.namespace)}`);
    if (sc && egress.length > 0 && !egress.some((e) => !e.port || e.port.number === spec.port)) {
      suggestions.push(`Sidecar ${sc.namespace}/${sc.name}'s egress has no listener for port ${spec.port}: add one whose hosts include the ServiceEntry's namespace`);
    }
    suggestions.push(`or set outboundTrafficPolicy.mode: ALLOW_ANY${sc ? ` in Sidecar ${sc.namespace}/${sc.name}` : ''}`);
  }
  return { outcome: { kind: 'blocked', status, cluster: 'BlackHoleCluster', message: httpRoute ? message : `${message} (the connection is closed)`, suggestions }, sidecar };
}
