/**
 * Where an explained request goes before the proxy sees it: the URL and flags parsed into a
 * request (method, Host, path, headers, SNI, transport), and the connection's original
 * destination — a service VIP (sidecar: the host as the app's DNS lookup would resolve it in its
 * namespace), the gateway's own address on the container port behind the gateway Service port
 * (router), or a literal IP — plus where the proxy accepts it (virtualOutbound after the iptables
 * redirect, or the listener directly).
 */
import { VIRTUAL_OUTBOUND_LISTENER } from '../../api/names.js';
import type { Listener } from '../../api/envoy/listener.js';
import { TrellisError } from '../../common/errors.js';
import { hostCandidates, selects } from '../../common/hosts.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';
import type { ExplainRequestSpec } from './types.js';

export interface RequestFlags {
  method?: string;
  headers?: Record<string, string> | string[];
  sni?: string;
  port?: number;
}

/** Parses `k: v` header flags. */
export function parseHeaders(h: Record<string, string> | string[] | undefined): Record<string, string> {
  if (!h) return {};
  if (!Array.isArray(h)) return { ...h };
  const out: Record<string, string> = {};
  for (const line of h) {
    const i = line.indexOf(':');
    if (i <= 0) throw new TrellisError('E_USAGE', `bad header ${JSON.stringify(line)}: use -H 'name: value'`);
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443, tls: 443 };

export function parseRequest(rawUrl: string, flags: RequestFlags = {}): ExplainRequestSpec {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) ? rawUrl : `http://${rawUrl}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new TrellisError('E_USAGE', `cannot parse URL ${JSON.stringify(rawUrl)}`);
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  if (!['http', 'https', 'tcp', 'tls'].includes(scheme)) {
    throw new TrellisError('E_USAGE', `unsupported scheme ${scheme}: use http, https, tls or tcp`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = flags.port ?? (u.port ? Number(u.port) : DEFAULT_PORT[scheme]);
  if (port === undefined || !Number.isInteger(port)) throw new TrellisError('E_USAGE', `no port for ${rawUrl}: give one in the URL or with --port`);
  const headers = parseHeaders(flags.headers);
  const authority = headers['host'] ?? (u.port || flags.port !== undefined && flags.port !== DEFAULT_PORT[scheme] ? `${u.hostname}:${port}` : u.hostname);
  delete headers['host'];
  const transport = scheme === 'tcp' ? 'tcp' : scheme === 'https' || scheme === 'tls' || flags.sni ? 'tls' : 'http';
  const spec: ExplainRequestSpec = {
    method: (flags.method ?? 'GET').toUpperCase(), url: rawUrl, scheme, host, port, authority,
    path: `${u.pathname || '/'}${u.search}`, headers, transport,
  };
  if (transport === 'tls') spec.sni = flags.sni ?? host;
  return spec;
}

export interface Destination {
  address: string;
  port: number;
  how: string;
  service?: Service;
  accept?: { address: string; port: number; listener: string };
}

/** An address from TEST-NET-3 for hosts the registry does not know (resolved outside the mesh). */
export const EXTERNAL_PLACEHOLDER = '203.0.113.10';

function isIp(h: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');
}

/** The service a host names as seen from `proxy` (Istio's short-name expansion). */
export function serviceFor(snapshot: Snapshot, proxy: Proxy, host: string): Service | undefined {
  for (const c of hostCandidates(host.toLowerCase(), proxy.namespace)) {
    const s = snapshot.service(c, proxy.namespace);
    if (s) return s;
  }
  return snapshot.registry.services.find((s) => s.addresses.includes(host));
}

export function resolveDestination(snapshot: Snapshot, proxy: Proxy, spec: ExplainRequestSpec, listeners: readonly Listener[]): Destination {
  if (proxy.type === 'router') {
    const mine = snapshot.registry.services.filter((s) => s.selector && Object.keys(s.selector).length > 0 && selects(s.selector, proxy.labels));
    for (const s of mine) {
      const p = s.ports.find((x) => x.port === spec.port);
      if (p && typeof p.targetPort === 'number') {
        return {
          address: proxy.ip, port: p.targetPort, service: s,
          how: `Service ${s.namespace}/${s.name} port ${p.port} → targetPort ${p.targetPort} on the gateway (${proxy.ip})`,
        };
      }
    }
    return { address: proxy.ip, port: spec.port, how: `port ${spec.port} on the gateway (${proxy.ip}); no gateway Service port maps it` };
  }
  let address: string;
  let how: string;
  let service: Service | undefined;
  if (isIp(spec.host)) {
    address = spec.host;
    how = `IP address ${spec.host}`;
    service = snapshot.registry.services.find((s) => s.addresses.includes(spec.host));
  } else {
    service = serviceFor(snapshot, proxy, spec.host);
    if (service && service.addresses[0]) {
      address = service.addresses[0];
      how = `${spec.host} resolves to ${address}, the ${service.autoAllocated ? 'auto-allocated ' : ''}VIP of ${service.origin.kind} ` +
        `${service.namespace}/${service.name} (${service.hostname})`;
    } else {
      address = EXTERNAL_PLACEHOLDER;
      how = `${spec.host} is not in the registry: it resolves outside the mesh (shown as ${EXTERNAL_PLACEHOLDER})`;
    }
  }
  const vo = listeners.find((l) => l.name === VIRTUAL_OUTBOUND_LISTENER && l.useOriginalDst);
  const sa = vo?.address.socketAddress;
  const accept = proxy.interceptionMode === 'REDIRECT' && vo && sa?.portValue !== undefined
    ? { address: sa.address, port: sa.portValue, listener: vo.name } : undefined;
  return { address, port: spec.port, how, service, accept };
}
