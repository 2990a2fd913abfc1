/**
 * Istio ServiceEntry (ISTIO-RULES §3.5, rules 57–66): hosts, addresses, ports, resolution and the
 * endpoints or workload selector behind them. Endpoints are checked with the shared workload
 * rules (`workload-rules.ts`) in STATIC or DNS mode.
 */
import type { KindValidator } from './kind.js';
import type { Ctx } from '../ctx.js';
import { arr, enumOf, map, obj, str, uint32 } from '../schema.js';
import {
  checkExportTo, checkPort, checkPortName, checkProtocol, checkWorkloadSelector, fqdnError, isIPOrCIDR,
  isPartialWildcard, parseProtocol, wildcardDomainError,
} from '../rules.js';
import type { ServiceEntry, ServiceEntryPort } from '../../api/istio/service-entry.js';
import type { RawObject } from '../../api/resource.js';
import { checkMaxItems, checkMaxLen, checkMaxProps, checkWorkloadEntry, requireSpec, workloadEntrySchema } from './workload-rules.js';

/** Trellis, like recent Istio, allocates virtual IPs for ServiceEntries without addresses. */
const IP_AUTO_ALLOCATION = true;
const AUTO_ALLOCATE_LABEL = 'networking.istio.io/enable-autoallocate-ip';
const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
const DYNAMIC_DNS_PROTOCOLS = ['HTTP', 'TLS', 'GRPC', 'HTTP2'];

const has = (v: unknown): boolean => v !== undefined && v !== null;
/** An empty `endpoints: []` counts as unset, as it does once Istio reads it into its proto. */
const endpointsSet = (spec: ServiceEntry): boolean => (spec.endpoints ?? []).length > 0;
const isHTTP = (p: string | undefined) => p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
const isTLS = (p: string | undefined) => p === 'HTTPS' || p === 'TLS';
const isTCPBased = (p: string | undefined) => p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'Mongo' || p === 'Redis' || p === 'MySQL';

function protocolOf(port: ServiceEntryPort): string | undefined {
  return typeof port.protocol === 'string' ? parseProtocol(port.protocol) : undefined;
}

function checkHosts(ctx: Ctx, spec: ServiceEntry, dynamic: boolean): void {
  const hosts = spec.hosts ?? [];
  if (hosts.length === 0) {
    ctx.error(['spec', 'hosts'], 'at least one host is required, e.g. "api.example.com" or "*.example.com"');
    return;
  }
  checkMaxItems(ctx, ['spec', 'hosts'], hosts, 256, 'hosts');
  hosts.forEach((h, i) => {
    const p = ['spec', 'hosts', i];
    if (typeof h !== 'string' || h === '') {
      ctx.error(p, 'host must not be empty; give a DNS name such as "api.example.com"');
    } else if (h === '*') {
      ctx.error(p, 'hostname cannot be the wildcard "*"; give a DNS name such as "api.example.com" or a domain wildcard such as "*.example.com"');
    } else {
      const e = wildcardDomainError(h);
      if (e) ctx.error(p, e);
      else if (dynamic && !h.startsWith('*')) {
        ctx.error(p, `host ${JSON.stringify(h)} must be a wildcard such as "*.example.com" with resolution DYNAMIC_DNS; use DNS resolution for a single host`);
      } else if (!dynamic && isPartialWildcard(h)) {
        ctx.warn(p, `partial wildcard ${JSON.stringify(h)} is not supported and may not match as expected; use "*" alone as the first label, e.g. "*.example.com"`);
      }
    }
  });
}

function checkAddresses(ctx: Ctx, spec: ServiceEntry, resolution: string): void {
  const addrs = spec.addresses ?? [];
  checkMaxItems(ctx, ['spec', 'addresses'], addrs, 256, 'addresses');
  if (resolution === 'DYNAMIC_DNS' && addrs.length > 0) {
    ctx.error(['spec', 'addresses'], 'addresses are not allowed with resolution DYNAMIC_DNS; remove them (the destination is resolved per request)');
  }
  addrs.forEach((a, i) => {
    const p = ['spec', 'addresses', i];
    if (typeof a !== 'string' || !isIPOrCIDR(a)) {
      ctx.error(p, `address ${JSON.stringify(a)} must be an IP address or a CIDR block, e.g. "10.0.0.1" or "10.0.0.0/16"`);
      return;
    }
    checkMaxLen(ctx, p, a, 64);
    if (a.includes('/') && resolution !== 'NONE' && resolution !== 'STATIC') {
      ctx.error(p, `CIDR addresses are allowed only for NONE/STATIC resolution types (resolution is ${resolution}); use single IP addresses or change the resolution`);
    }
  });
}

/** Returns the set of declared port names. */
function checkPorts(ctx: Ctx, spec: ServiceEntry, obj: RawObject, resolution: string): Set<string> {
  const names = new Set<string>();
  const numbers = new Set<number>();
  const ports = spec.ports ?? [];
  checkMaxItems(ctx, ['spec', 'ports'], ports, 256, 'ports');
  const autoAllocate = IP_AUTO_ALLOCATION && resolution !== 'NONE' && obj.metadata.labels[AUTO_ALLOCATE_LABEL]?.toLowerCase() !== 'false';
  let warnedAddresses = false;
  ports.forEach((port, i) => {
    const p = ['spec', 'ports', i];
    if (!port) {
      ctx.error(p, 'port must not be null; give {number, name, protocol}');
      return;
    }
    checkPortName(ctx, [...p, 'name'], port.name, true);
    checkMaxLen(ctx, [...p, 'name'], port.name, 256);
    if (typeof port.name === 'string' && port.name !== '') {
      if (names.has(port.name)) ctx.error([...p, 'name'], `duplicate port name ${JSON.stringify(port.name)}; each port name must be unique`);
      names.add(port.name);
    }
    if (!has(port.number)) ctx.error([...p, 'number'], 'port number is required (1..65535)');
    else {
      checkPort(ctx, [...p, 'number'], port.number);
      if (numbers.has(port.number!)) ctx.error([...p, 'number'], `port number ${port.number} cannot be duplicated; each port number must be unique`);
      numbers.add(port.number!);
    }
    if (has(port.targetPort)) checkPort(ctx, [...p, 'targetPort'], port.targetPort);
    checkProtocol(ctx, [...p, 'protocol'], port.protocol, true);
    checkMaxLen(ctx, [...p, 'protocol'], port.protocol, 256);
    if (resolution === 'DYNAMIC_DNS') {
      const proto = protocolOf(port);
      if (!proto || !DYNAMIC_DNS_PROTOCOLS.includes(proto)) {
        ctx.error([...p, 'protocol'], `protocol ${JSON.stringify(port.protocol ?? '')} is not supported with resolution DYNAMIC_DNS; use one of ${DYNAMIC_DNS_PROTOCOLS.join(', ')}`);
      }
    }
    const rawProto = port.protocol ?? '';
    if (!warnedAddresses && (spec.addresses ?? []).length === 0 && !autoAllocate && (rawProto === '' || rawProto === 'TCP')) {
      warnedAddresses = true;
      ctx.warn(p, 'addresses are required for ports serving TCP (or unset) protocol when IP auto-allocation does not apply ' +
        `(resolution NONE, or label ${AUTO_ALLOCATE_LABEL}: "false"); set spec.addresses, or use a protocol such as HTTP or TLS that carries the host name`);
    }
  });
  return names;
}

function checkResolution(ctx: Ctx, spec: ServiceEntry, obj: RawObject, resolution: string, servicePorts: Set<string>): void {
  const endpoints = spec.endpoints ?? [];
  switch (resolution) {
    case 'NONE':
      if (endpointsSet(spec)) ctx.error(['spec', 'endpoints'], 'NONE mode cannot set endpoints; remove them or use resolution STATIC or DNS');
      if (has(spec.workloadSelector)) ctx.warn(['spec', 'workloadSelector'], 'workloadSelector should not be set when resolution mode is NONE; use resolution STATIC');
      return;
    case 'STATIC':
      endpoints.forEach((ep, i) => {
        if (!ep) ctx.error(['spec', 'endpoints', i], 'endpoint must not be null; give at least an address');
        else checkWorkloadEntry(ctx, ['spec', 'endpoints', i], ep, { mode: 'static', servicePorts });
      });
      return;
    case 'DNS':
    case 'DNS_ROUND_ROBIN': {
      if (endpoints.length === 0) {
        (spec.hosts ?? []).forEach((h, i) => {
          if (typeof h === 'string' && h !== '' && h !== '*' && !wildcardDomainError(h) && fqdnError(h)) {
            ctx.error(['spec', 'hosts', i], `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}: ${JSON.stringify(h)} is a wildcard; list endpoints or use resolution NONE`);
          }
        });
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
        ctx.error(['spec', 'endpoints'], `DNS_ROUND_ROBIN mode cannot have multiple endpoints (found ${endpoints.length}); keep one, or use resolution DNS`);
      }
      endpoints.forEach((ep, i) => {
        if (!ep) ctx.error(['spec', 'endpoints', i], 'endpoint must not be null; give at least an address');
        else checkWorkloadEntry(ctx, ['spec', 'endpoints', i], ep, { mode: 'dns', servicePorts });
      });
      if ((spec.addresses ?? []).length > 0 && (spec.hosts ?? []).length > 1) {
        const i = (spec.ports ?? []).findIndex((p) => p && isTCPBased(protocolOf(p)));
        if (i >= 0) {
          ctx.warn(['spec', 'ports', i], 'a ServiceEntry should not have more than one host together with addresses and a TCP port; split it into one ServiceEntry per host');
        }
      }
      return;
    }
    case 'DYNAMIC_DNS':
      if (endpointsSet(spec)) ctx.error(['spec', 'endpoints'], 'endpoints are not allowed with resolution DYNAMIC_DNS; the destination is resolved from each request');
      if (spec.location === 'MESH_INTERNAL' && has(obj.metadata.labels[USE_WAYPOINT_LABEL])) {
        ctx.error(['spec', 'location'], `location MESH_INTERNAL is not supported with resolution DYNAMIC_DNS when the ServiceEntry uses a waypoint (${USE_WAYPOINT_LABEL}); use MESH_EXTERNAL`);
      }
      return;
  }
}

/** Rule 65: plain TCP cannot tell several hosts apart. */
function checkMultiHostTCP(ctx: Ctx, spec: ServiceEntry, resolution: string): void {
  if (resolution === 'NONE' || (spec.hosts ?? []).length <= 1) return;
  const ports = spec.ports ?? [];
  for (let i = 0; i < ports.length; i++) {
    const port = ports[i];
    if (!port) continue;
    const proto = protocolOf(port);
    if (!isHTTP(proto) && !isTLS(proto)) {
      ctx.error(['spec', 'ports', i, 'protocol'], `multiple hosts provided with non-HTTP, non-TLS port (protocol ${JSON.stringify(port.protocol ?? '')}); ` +
        'use HTTP, HTTPS, GRPC or TLS so hosts can be told apart, split into one ServiceEntry per host, or use resolution NONE');
      return;
    }
  }
}

export const serviceEntry: KindValidator<ServiceEntry> = {
  kind: 'ServiceEntry',
  schema: obj({
    hosts: arr(str()),
    addresses: arr(str()),
    ports: arr(obj({ number: uint32(), protocol: str(), name: str(), targetPort: uint32() })),
    location: enumOf('MESH_EXTERNAL', 'MESH_INTERNAL'),
    resolution: enumOf('NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'),
    endpoints: arr(workloadEntrySchema),
    workloadSelector: obj({ labels: map(str()) }),
    exportTo: arr(str()),
    subjectAltNames: arr(str()),
  }),
  validate(spec, ctx, obj) {
    if (!requireSpec(ctx, obj, 'ServiceEntry')) return;
    const resolution = spec.resolution ?? 'NONE';
    checkHosts(ctx, spec, resolution === 'DYNAMIC_DNS');
    checkAddresses(ctx, spec, resolution);

    const ws = spec.workloadSelector;
    if (has(ws)) {
      const labels = ws!.labels;
      checkWorkloadSelector(ctx, has(labels) ? ['spec', 'workloadSelector', 'labels'] : ['spec', 'workloadSelector'], labels, 'ServiceEntry');
      checkMaxProps(ctx, ['spec', 'workloadSelector', 'labels'], labels, 256, 'labels');
      for (const [k, v] of Object.entries(labels ?? {})) checkMaxLen(ctx, ['spec', 'workloadSelector', 'labels', k], v, 63);
      if (endpointsSet(spec)) ctx.error(['spec', 'endpoints'], 'only one of workloadSelector or endpoints can be set; remove one of them');
    }
    checkMaxItems(ctx, ['spec', 'endpoints'], spec.endpoints, 4096, 'endpoints');

    const servicePorts = checkPorts(ctx, spec, obj, resolution);
    checkResolution(ctx, spec, obj, resolution, servicePorts);
    checkMultiHostTCP(ctx, spec, resolution);
    checkExportTo(ctx, ['spec', 'exportTo'], spec.exportTo, { serviceEntry: true });
  },
};
