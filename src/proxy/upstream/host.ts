/**
 * An upstream host as the data plane sees it: where it is, how it is weighted and placed, and
 * the few live counters the hot path keeps (active requests and connections). Load balancers
 * pick among hosts, outlier detection and health checks flip `ejected`/`healthy` off the hot
 * path, circuit breakers and pools read the counters. Built from EDS/STATIC/DNS endpoints by the
 * cluster manager; one object per host per cluster, replaced (not mutated in place) when EDS
 * changes what a host is, but its counters carried over.
 */

export interface HostLocality {
  region: string;
  zone: string;
  subZone: string;
}

export interface Host {
  /** `IP:PORT` (or `unix://path`): the host's identity within its cluster. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** load_balancing_weight (≥ 1). */
  readonly weight: number;
  readonly locality: HostLocality;
  /** Locality priority (0 is highest). */
  readonly priority: number;
  /** Endpoint metadata labels (e.g. `version`), for explain and stats. */
  readonly labels: Readonly<Record<string, string>>;
  /** EDS health status (false for UNHEALTHY/DRAINING/TIMEOUT). */
  healthy: boolean;
  /** Set by outlier detection while the host is ejected. */
  ejected: boolean;
  /** Requests in flight to this host (least-request reads it). */
  activeRequests: number;
  /** Open connections to this host. */
  activeConnections: number;
}

export function makeHost(init: {
  address: string;
  port: number;
  weight?: number;
  locality?: Partial<HostLocality>;
  priority?: number;
  labels?: Record<string, string>;
  healthy?: boolean;
}): Host {
  return {
    key: init.address.startsWith('unix://') ? init.address : `${init.address}:${init.port}`,
    address: init.address,
    port: init.port,
    weight: Math.max(1, init.weight ?? 1),
    locality: { region: init.locality?.region ?? '', zone: init.locality?.zone ?? '', subZone: init.locality?.subZone ?? '' },
    priority: init.priority ?? 0,
    labels: init.labels ?? {},
    healthy: init.healthy ?? true,
    ejected: false,
    activeRequests: 0,
    activeConnections: 0,
  };
}

/** A host takes traffic when EDS says healthy and outlier detection has not ejected it. */
export function isAvailable(h: Host): boolean {
  return h.healthy && !h.ejected;
}
