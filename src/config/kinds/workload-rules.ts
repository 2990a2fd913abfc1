/**
 * Validation of a workload (ISTIO-RULES §3.6, rules 67–69), written once and used three ways:
 * a standalone WorkloadEntry, a ServiceEntry endpoint (STATIC or DNS resolution, rules 62–63)
 * and a WorkloadGroup template (rule 70, where only the CRD's CEL rules apply because `address`
 * is filled in at registration). Also the small CRD size limits (maxLength, maxItems) the schema
 * DSL does not express. Pure functions reporting to a `Ctx`; never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import { map, obj, str, uint32, type Schema } from '../schema.js';
import { checkLabels, checkPort, fqdnError, isDns1123Label, isIPAddress, labelKeyError, labelValueError } from '../rules.js';
import type { WorkloadEntry } from '../../api/istio/workload-entry.js';
import type { RawObject } from '../../api/resource.js';

export const UNIX_PREFIX = 'unix://';

/** Field schema of a WorkloadEntry (spec, SE endpoint, WG template). */
export const workloadEntrySchema: Schema = obj({
  address: str(),
  ports: map(uint32()),
  labels: map(str()),
  network: str(),
  locality: str(),
  weight: uint32(),
  serviceAccount: str(),
});

/**
 * How the workload is used:
 * - `standalone`: a WorkloadEntry object; the address may be an IP, an FQDN or a unix socket.
 * - `static`: an endpoint of a STATIC ServiceEntry; the address is an IP or a unix socket.
 * - `dns`: an endpoint of a DNS / DNS_ROUND_ROBIN ServiceEntry; the address is an IP or an FQDN.
 * - `template`: a WorkloadGroup template; only the CRD rules (unix sockets, ports) are errors.
 */
export type WorkloadMode = 'standalone' | 'static' | 'dns' | 'template';

export interface WorkloadOptions {
  mode: WorkloadMode;
  /** For ServiceEntry endpoints: the names of the ports the ServiceEntry declares. */
  servicePorts?: ReadonlySet<string>;
}

const CEL_PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

const has = (v: unknown): boolean => v !== undefined && v !== null;

/** Istio kinds require `spec` (the CRD marks it required). Returns false when it is missing. */
export function requireSpec(ctx: Ctx, obj: RawObject, kind: string): boolean {
  if (obj.body.spec === undefined || obj.body.spec === null) {
    ctx.error(['spec'], `spec is required; a ${kind} needs at least an empty "spec: {}" with its fields`);
    return false;
  }
  return true;
}

export function checkMaxLen(ctx: Ctx, path: Path, s: unknown, max: number): void {
  if (typeof s === 'string' && s.length > max) ctx.error(path, `must be at most ${max} characters long, got ${s.length}`);
}

export function checkMaxItems(ctx: Ctx, path: Path, list: unknown, max: number, what = 'entries'): void {
  if (Array.isArray(list) && list.length > max) ctx.error(path, `at most ${max} ${what} are allowed, got ${list.length}`);
}

export function checkMaxProps(ctx: Ctx, path: Path, m: unknown, max: number, what = 'entries'): void {
  if (m && typeof m === 'object' && Object.keys(m).length > max) {
    ctx.error(path, `at most ${max} ${what} are allowed, got ${Object.keys(m).length}`);
  }
}

/** The CRD's unix-socket rules; returns true when the address is a unix socket. */
function checkUnixAddress(ctx: Ctx, path: Path, addr: string): void {
  const rest = addr.slice(UNIX_PREFIX.length);
  if (rest === '') {
    ctx.error(path, `unix domain socket address ${JSON.stringify(addr)} has no path; use unix:///absolute/path or unix://@abstract-name`);
  } else if (!rest.startsWith('/') && !rest.startsWith('@')) {
    ctx.error(path, `unix domain socket address ${JSON.stringify(addr)} must be an absolute path (unix:///path) or an abstract socket (unix://@name)`);
  } else if (rest.startsWith('/') && rest.endsWith('/')) {
    ctx.error(path, `unix domain socket address ${JSON.stringify(addr)} must name a socket file, not a directory; remove the trailing "/"`);
  }
}

/** Validates one workload at `path` (the object holding address/ports/labels). */
export function checkWorkloadEntry(ctx: Ctx, path: Path, we: WorkloadEntry, opts: WorkloadOptions): void {
  const { mode, servicePorts } = opts;
  const addr = typeof we.address === 'string' ? we.address : '';
  const addrPath = [...path, 'address'];
  const network = typeof we.network === 'string' ? we.network : '';
  const unix = addr.startsWith(UNIX_PREFIX);

  checkMaxLen(ctx, addrPath, we.address, 256);
  checkMaxLen(ctx, [...path, 'locality'], we.locality, 2048);
  checkMaxLen(ctx, [...path, 'network'], we.network, 2048);
  checkMaxLen(ctx, [...path, 'serviceAccount'], we.serviceAccount, 253);
  checkMaxProps(ctx, [...path, 'labels'], we.labels, 256, 'labels');
  checkMaxProps(ctx, [...path, 'ports'], we.ports, 128, 'ports');

  // Address (rules 67, 68, 62, 63).
  if (addr === '') {
    if (mode === 'dns') {
      ctx.error(addrPath, 'address is required for an endpoint with resolution DNS or DNS_ROUND_ROBIN (an IP address or a DNS name)');
    } else if (mode !== 'template') {
      if (network === '') ctx.error(addrPath, 'address is required (an IP address, a DNS name or unix:///path); it may be left unset only when network is set');
      else ctx.warn(addrPath, `address is unset with network ${JSON.stringify(network)}; the workload will only be reachable through that network's gateway`);
    }
  } else if (unix) {
    if (mode === 'dns') {
      ctx.error(addrPath, `unix domain socket address ${JSON.stringify(addr)} is only allowed with resolution STATIC; with DNS resolution use an IP address or a DNS name`);
    } else {
      checkUnixAddress(ctx, addrPath, addr);
    }
    if (has(we.ports)) ctx.error([...path, 'ports'], 'a unix domain socket endpoint may not have ports; remove ports or use an IP address');
    if (mode === 'static' && servicePorts && servicePorts.size !== 1) {
      ctx.error(addrPath, `a unix domain socket endpoint needs exactly one port declared on the ServiceEntry, found ${servicePorts.size}`);
    }
  } else if (!isIPAddress(addr)) {
    if (mode === 'static') {
      ctx.error(addrPath, `endpoint address ${JSON.stringify(addr)} is not an IP address; with resolution STATIC use an IP or unix:///path (use resolution DNS for host names)`);
    } else if (mode !== 'template') {
      const e = fqdnError(addr);
      if (e) ctx.error(addrPath, `address ${JSON.stringify(addr)} is neither an IP address nor a valid DNS name: ${e}`);
    }
  }

  // Ports (rule 69).
  if (we.ports && typeof we.ports === 'object') {
    for (const [name, port] of Object.entries(we.ports)) {
      const p = [...path, 'ports', name];
      if (name.length >= 63 || !CEL_PORT_NAME.test(name)) {
        ctx.error(p, `invalid port name ${JSON.stringify(name)}: must be a DNS-1123 label (lowercase letters, digits, '-'; shorter than 63 characters)`);
      } else if (!isDns1123Label(name)) {
        const msg = `invalid port name ${JSON.stringify(name)}: must be a DNS-1123 label (lowercase letters, digits and '-')`;
        if (mode === 'template') ctx.warn(p, `${msg}; the WorkloadEntry registered from this template would be rejected`);
        else ctx.error(p, msg);
      } else if (servicePorts && !servicePorts.has(name)) {
        const declared = [...servicePorts];
        ctx.error(p, `port ${JSON.stringify(name)} is not defined by the ServiceEntry; ` +
          (declared.length ? `declared port names are: ${declared.join(', ')}` : 'declare it under spec.ports first'));
      }
      if (port !== null) checkPort(ctx, p, port);
    }
  }

  // Labels (rule 69; a warning only in templates, where Istio does not check them).
  if (mode !== 'template') {
    checkLabels(ctx, [...path, 'labels'], we.labels);
  } else if (we.labels && typeof we.labels === 'object') {
    for (const [k, v] of Object.entries(we.labels)) {
      const e = labelKeyError(k) ?? (typeof v === 'string' ? labelValueError(v) : undefined);
      if (e) ctx.warn([...path, 'labels', k], `${e}; the WorkloadEntry registered from this template would be rejected`);
    }
  }
}
