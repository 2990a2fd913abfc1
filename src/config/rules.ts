/**
 * Shared validation rules (ISTIO-RULES.md §3.1): DNS names and wildcard hosts, IPs and CIDRs,
 * ports and protocols, label maps, workload selectors, exportTo, header names.
 *
 * Predicates return an error text (what is wrong and what would be valid) or undefined; the
 * `check*` helpers report straight to a `Ctx`. Pure functions, no I/O.
 */
import { isIP } from 'node:net';
import type { Ctx, Path } from './ctx.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isDns1123Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS1123_LABEL.test(s);
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes object names: at most 253 characters in all (no per-label limit). */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export function isIPAddress(s: string): boolean {
  return isIP(s) !== 0;
}

export function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const fam = isIP(ip);
  if (fam === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (fam === 4 ? 32 : 128);
}

export function isIPOrCIDR(s: string): boolean {
  return isIPAddress(s) || isCIDR(s);
}

/** Istio's ValidateDNS1123Labels: dot-separated labels, TLD not all-numeric, one trailing dot allowed. */
export function dnsLabelsError(domain: string, whole = domain): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1]!;
  if (/^[+-]?\d+$/.test(tld)) return `domain name ${JSON.stringify(whole)} invalid (top level domain ${JSON.stringify(tld)} cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i]!;
    if (i === parts.length - 1 && label === '' && parts.length > 1) return undefined;
    if (!isDns1123Label(label)) {
      return `domain name ${JSON.stringify(whole)} invalid (label ${JSON.stringify(label)} invalid: labels are lowercase letters, digits and '-', at most 63 characters)`;
    }
  }
  return undefined;
}

function dnsPreconditions(domain: string): string | undefined {
  if (domain.length === 0) return 'empty domain name not allowed';
  if (domain.length > 255) return `domain name ${JSON.stringify(domain.slice(0, 40) + '…')} too long (max 255)`;
  return undefined;
}

/** A host that may have a wildcard first label: `*`, `*.foo.com`, `foo.com`, `reviews`. */
export function wildcardDomainError(domain: string): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) {
    return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid); a host is a DNS name such as "reviews", "reviews.prod.svc.cluster.local" or "*.example.com"`;
  }
  if (dot >= 0) return dnsLabelsError(domain.slice(dot + 1), domain);
  return undefined;
}

/** A fully qualified domain name without wildcards. */
export function fqdnError(domain: string): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre) return pre;
  return dnsLabelsError(domain);
}

/** `*` anywhere but as the whole host or a `*.` prefix. */
export function isPartialWildcard(host: string): boolean {
  return host.includes('*') && !(host === '*' || (host.startsWith('*.') && !host.slice(2).includes('*')));
}

export function isValidPort(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
}

export function checkPort(ctx: Ctx, path: Path, n: unknown): void {
  if (!isValidPort(n)) ctx.error(path, `port number ${String(n)} must be in the range 1..65535`);
}

export const PROTOCOLS = ['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'GRPC-Web', 'HTTP_PROXY', 'TCP', 'TLS', 'UDP', 'Mongo', 'Redis', 'MySQL'];
const PROTOCOLS_UPPER = new Set(PROTOCOLS.map((p) => p.toUpperCase()));

/** Canonical protocol for a (case-insensitive) name, or undefined when unknown. */
export function parseProtocol(name: string): string | undefined {
  const up = name.toUpperCase();
  return PROTOCOLS_UPPER.has(up) ? PROTOCOLS.find((p) => p.toUpperCase() === up) : undefined;
}

export function checkProtocol(ctx: Ctx, path: Path, p: unknown, allowEmpty: boolean): void {
  if (typeof p !== 'string') return;
  if (p === '' && allowEmpty) return;
  if (!parseProtocol(p)) ctx.error(path, `unrecognized protocol ${JSON.stringify(p)}; valid protocols are ${PROTOCOLS.join(', ')}`);
}

export function checkPortName(ctx: Ctx, path: Path, name: unknown, required: boolean): void {
  if (name === undefined || name === null || name === '') {
    if (required) ctx.error(path, 'port name is required (a DNS-1123 label such as "http-web")');
    return;
  }
  if (typeof name === 'string' && !isDns1123Label(name)) {
    ctx.error(path, `invalid port name ${JSON.stringify(name)}: must be a DNS-1123 label (lowercase letters, digits, '-'; at most 63)`);
  }
}

/** Kubernetes label key: optional DNS-subdomain prefix and '/', then a qualified name. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  let name = key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (!isDns1123Subdomain(prefix)) return `invalid label key ${JSON.stringify(key)}: prefix ${JSON.stringify(prefix)} must be a DNS-1123 subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `invalid label key ${JSON.stringify(key)}: a label name is 1-63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (optionally prefixed "example.com/")`;
  }
  return undefined;
}

export function labelValueError(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    return `invalid label value ${JSON.stringify(value)}: must be empty or up to 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

/** A map of labels (subset labels, WorkloadEntry labels, …). */
export function checkLabels(ctx: Ctx, path: Path, labels: unknown): void {
  if (!labels || typeof labels !== 'object') return;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    const ke = labelKeyError(k);
    if (ke) ctx.error([...path, k], ke);
    if (typeof v === 'string') {
      const ve = labelValueError(v);
      if (ve) ctx.error([...path, k], ve);
    }
  }
}

/** `workloadSelector` (rule 8). `path` points at the label map itself (`…workloadSelector.labels`). */
export function checkWorkloadSelector(ctx: Ctx, path: Path, labels: unknown, what: string): void {
  if (labels === undefined || labels === null) {
    ctx.warn(path, `workload selector specified without labels; this ${what} will be applied to all workloads in namespace ${ctx.namespace}`);
    return;
  }
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length === 0) {
    ctx.warn(path, `workload selector specified without labels; this ${what} will be applied to all workloads in namespace ${ctx.namespace}`);
  }
  for (const [k, v] of entries) {
    if (k === '') ctx.error(path, 'empty key is not supported in a selector; use a label name such as "app"');
    if (k.includes('*') || (typeof v === 'string' && v.includes('*'))) {
      ctx.error([...path, k], 'wildcard is not supported in a selector; give exact label values');
    }
  }
}

/** `exportTo` (rule 9). */
export function checkExportTo(ctx: Ctx, path: Path, exportTo: unknown, opts: { serviceEntry?: boolean; drWithSelector?: boolean } = {}): void {
  if (!Array.isArray(exportTo) || exportTo.length === 0) return;
  const ns = ctx.namespace;
  const seen = new Set<string>();
  exportTo.forEach((e, i) => {
    if (typeof e !== 'string') return;
    const key = e === '.' ? ns : e;
    if (seen.has(key)) {
      ctx.error([...path, i], key !== e
        ? `duplicate entries in exportTo: "." and the current namespace ${ns}`
        : `duplicate entries in exportTo for entry ${JSON.stringify(e)}`);
      return;
    }
    if (e === '~') {
      if (opts.serviceEntry) seen.add(key);
      else ctx.error([...path, i], 'exportTo "~" (visible to no one) is only allowed on ServiceEntry; use ".", "*" or a namespace');
      return;
    }
    if (key === '*' || isDns1123Label(key)) seen.add(key);
    else ctx.error([...path, i], `invalid exportTo entry ${JSON.stringify(e)}: use "." (this namespace), "*" (all namespaces) or a namespace name`);
  });
  if (opts.drWithSelector && seen.size > 0) {
    if (seen.has(ns)) {
      if (seen.size > 1) ctx.error(path, 'a DestinationRule with a workloadSelector cannot have multiple entries in exportTo; use only "."');
    } else {
      ctx.error(path, 'a DestinationRule with a workloadSelector cannot be exported beyond its own namespace; use "." or leave exportTo unset');
    }
  }
  if (seen.has('*') && exportTo.length > 1) ctx.error(path, 'cannot have both public (*) and non-public exportTo values for a resource; "*" must be the only entry');
  if (seen.has('~') && exportTo.length > 1) ctx.error(path, 'cannot export a ServiceEntry to no one (~) and someone; "~" must be the only entry');
}

export function isHeaderToken(name: string): boolean {
  return HEADER_TOKEN.test(name);
}

/** Envoy's retryOn policies that Istio accepts (rule 30). */
export const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);
