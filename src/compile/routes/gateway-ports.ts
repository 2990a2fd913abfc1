/**
 * Istio's gateway port translation (model/gateway.go resolvePorts): a Gateway server's port is
 * the port of the gateway's Service, so the gateway workload listens on that Service port's
 * target port. The ingress gateway Service maps 80→8080, hence a server on port 80 gives the
 * listener 0.0.0.0_8080 and the route configuration `http.8080` while its virtual hosts keep
 * `HOST:80`. With Istio's legacy label selection the first matching Service port wins, and a
 * port no Service declares is used as written. Shared with the listener compiler. Pure.
 */
import type { Proxy, Snapshot } from '../../model/types.js';
import { labelsSubsetOf } from './match.js';

/**
 * Answers per snapshot and proxy identity: the scan below walks every Service, and a gateway with
 * N servers asks once per server (from both the listener and the route compiler), which made it
 * O(servers × services). Snapshots are immutable, so the memo never goes stale.
 */
const memo = new WeakMap<Snapshot, Map<string, Map<number, number[]>>>();

function proxyKey(proxy: Proxy): string {
  const labels = Object.keys(proxy.labels).sort().map((k) => `${k}=${proxy.labels[k]}`).join(',');
  return `${proxy.namespace}|${proxy.ip}|${labels}`;
}

/** The port(s) the gateway proxy listens on for a server declared on `serverPort`. */
export function resolveGatewayPorts(snapshot: Snapshot, proxy: Proxy, serverPort: number): number[] {
  let bySnapshot = memo.get(snapshot);
  if (!bySnapshot) memo.set(snapshot, (bySnapshot = new Map()));
  const key = proxyKey(proxy);
  let byPort = bySnapshot.get(key);
  if (!byPort) bySnapshot.set(key, (byPort = new Map()));
  let ports = byPort.get(serverPort);
  if (!ports) byPort.set(serverPort, (ports = scanGatewayPorts(snapshot, proxy, serverPort)));
  return [...ports];
}

function scanGatewayPorts(snapshot: Snapshot, proxy: Proxy, serverPort: number): number[] {
  for (const svc of snapshot.registry.services) {
    if (svc.namespace !== proxy.namespace || !svc.selector || Object.keys(svc.selector).length === 0) continue;
    if (!labelsSubsetOf(svc.selector, proxy.labels)) continue;
    const sp = svc.ports.find((p) => p.port === serverPort);
    if (!sp) continue;
    const ep = snapshot.endpoints(svc.hostname, svc.namespace, sp.port).find((e) => e.address === proxy.ip);
    if (ep) return [ep.port];
    if (typeof sp.targetPort === 'number') return [sp.targetPort];
    if (typeof sp.targetPort === 'string') {
      if (/^\d+$/.test(sp.targetPort)) return [Number(sp.targetPort)];
      const named = snapshot.workloadByAddress(proxy.ip)?.ports[sp.targetPort];
      if (named !== undefined) return [named];
    }
    return [sp.port];
  }
  return [serverPort];
}
