/**
 * The compact live status line of `trellis up`: connected proxies (from the control plane's ADS
 * events), config pushes (debounced change rounds) and NACKs, and the requests the mesh carried
 * with how many failed (5xx, or no response), counted from the proxies' access log lines on the
 * client side (gateways and sidecars' outbound; a sidecar's inbound line is the same request
 * again), plus requests REGISTRY_ONLY blocked. `line()` renders it; the runner prints it only
 * when it changed. Pure counting and formatting.
 */
import type { AdsEvent } from '../xds/types.js';

export interface AccessLine {
  code: number;
  /** A sidecar's inbound side (the upstream cluster is `inbound|…`). */
  inbound: boolean;
}

const ACCESS = /^\[[^\]]+\] "[^"]*" (\d{1,3}) /;

/** The response code and direction of an access log line (Envoy's or Istio's format), if it is one. */
export function parseAccessLine(line: string): AccessLine | undefined {
  const m = ACCESS.exec(line);
  if (!m) return undefined;
  return { code: Number(m[1]), inbound: / inbound\|/.test(line) };
}

const BLOCKED = /REGISTRY_ONLY: blocked (?:request to host|CONNECT to host) (\S+)/;

/** The host of a proxy's "blocked by REGISTRY_ONLY" log line, if it is one. */
export function parseBlocked(line: string): string | undefined {
  return BLOCKED.exec(line)?.[1];
}

export class LiveStatus {
  private readonly connections = new Set<string>();
  pushes = 0;
  nacks = 0;
  requests = 0;
  failed = 0;
  blocked = 0;
  crashes = 0;

  constructor(private readonly proxies: () => number) {}

  onAds(e: AdsEvent): void {
    if (e.type === 'connect') this.connections.add(e.connectionId);
    else if (e.type === 'disconnect') this.connections.delete(e.connectionId);
    else if (e.type === 'debounced') this.pushes++;
    else if (e.type === 'nack') this.nacks++;
  }

  onProxyLine(line: string): void {
    const a = parseAccessLine(line);
    if (a) {
      if (a.inbound) return;
      this.requests++;
      if (a.code >= 500 || a.code === 0) this.failed++;
      return;
    }
    if (parseBlocked(line)) this.blocked++;
  }

  line(): string {
    const parts = [
      `proxies ${this.connections.size}/${this.proxies()} connected`,
      `pushes ${this.pushes}`,
      `requests ${this.requests} (failed ${this.failed})`,
    ];
    if (this.nacks) parts.push(`rejected configs ${this.nacks}`);
    if (this.blocked) parts.push(`blocked ${this.blocked}`);
    if (this.crashes) parts.push(`crashes ${this.crashes}`);
    return `status: ${parts.join(' · ')}`;
  }
}
