/**
 * Outlier detection for one cluster, with Envoy's `outlier_detection` semantics (fields and
 * Envoy's defaults in outlier-config.ts). Create one only for a Cluster that has
 * `outlierDetection` (Envoy has no detector otherwise). It flips `Host.ejected`; load balancers
 * only read it. Istio's DestinationRule `outlierDetection` arrives as: consecutive5xxErrors →
 * consecutive5xx, consecutiveGatewayErrors → consecutiveGatewayFailure (each with enforcing 100,
 * or 0 when the count is 0), interval / baseEjectionTime / maxEjectionPercent as they are,
 * splitExternalLocalOriginErrors + consecutiveLocalOriginFailures → the local-origin fields,
 * enforcingSuccessRate always 0, and minHealthPercent → the cluster's healthyPanicThreshold.
 *
 * Hot path: `onResult` (or `onStatus` / `onLocalOrigin`, which do not allocate) bumps per-host
 * counters: consecutive 5xx (every 5xx), consecutive gateway failures (502, 503, 504; any other
 * 5xx resets them), and per-interval request/success counts. Local-origin failures count as 503
 * (connect failure, reset) or 504 (timeout) unless `splitExternalLocalOriginErrors`, in which
 * case they have their own consecutive counter and a response (any status) proves the
 * connection worked and resets it. A consecutive counter reaching its threshold ejects at once,
 * as Envoy does, provided the host is not already ejected, ejecting it keeps the ejected share
 * of all the cluster's hosts within maxEjectionPercent (`100 × (ejected + 1) / hosts ≤ max`, so
 * with the default 10% and fewer than 10 hosts nothing is ejected unless `alwaysEjectOneHost`;
 * otherwise `ejections_overflow` counts it), and the enforcing percentage, drawn with the
 * injected random, says so. The counter that fired is reset either way.
 *
 * Off the hot path, every `interval`: ejected hosts whose time is up come back (ejection time =
 * baseEjectionTime × a multiplier that grows by one per ejection, capped at maxEjectionTime,
 * plus jitter; the multiplier shrinks by one at each interval a host spends un-ejected, so
 * unejection has interval granularity, as in Envoy), then success-rate and failure-percentage
 * checks run over the interval that ended (outlier-rates.ts).
 *
 * Not here: panic routing and min health (commonLbConfig.healthyPanicThreshold, Istio's
 * minHealthPercent) belong to the load balancer, which may route to ejected hosts when too few
 * are available; `ejectedCount()` is for stats (`outlier_detection.ejections_active`). Active
 * health checks do not exist in Trellis, so nothing un-ejects early.
 */
import { realClock, type Clock } from '../../common/clock.js';
import type { Host } from './host.js';
import { resolveOutlierSettings, type OutlierDetectionConfig, type OutlierSettings } from './outlier-config.js';
import { evaluateRates, type RateInput } from './outlier-rates.js';

export { resolveOutlierSettings, validateOutlierDetection, type OutlierDetectionConfig, type OutlierSettings } from './outlier-config.js';

export type OutlierEjectionType =
  | 'CONSECUTIVE_5XX'
  | 'CONSECUTIVE_GATEWAY_FAILURE'
  | 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE'
  | 'SUCCESS_RATE'
  | 'SUCCESS_RATE_LOCAL_ORIGIN'
  | 'FAILURE_PERCENTAGE'
  | 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';

export type LocalOriginResult = 'connect-failure' | 'timeout' | 'reset';

export interface UpstreamResult {
  status?: number;
  localOrigin?: LocalOriginResult;
}

/** An ejection decision (also when not enforced, as Envoy's event log) or an unejection. */
export interface OutlierEvent {
  action: 'eject' | 'uneject';
  host: Host;
  /** Why (eject only). */
  type?: OutlierEjectionType;
  /** Eject: whether it took effect (false when the enforcing percentage said no). */
  enforced: boolean;
  /** Ejections of this host so far, this one included. */
  numEjections: number;
  /** Eject, enforced: for how long (ms), before interval rounding. */
  durationMs?: number;
}

export type OutlierClock = Clock;

/** The process's timers, unref'd so a detector alone does not keep the process alive. */
export const realOutlierClock: OutlierClock = realClock;

export interface OutlierDetectorOptions {
  clock?: OutlierClock;
  /** Uniform in [0, 1): enforcing percentages and ejection jitter. */
  random?: () => number;
  onEvent?: (e: OutlierEvent) => void;
}

/** Envoy's `cluster.<name>.outlier_detection.*` stats (ejections_active is `ejectedCount()`). */
export interface OutlierStats {
  ejections_overflow: number;
  ejections_enforced_total: number;
  ejections_enforced_consecutive_5xx: number;
  ejections_detected_consecutive_5xx: number;
  ejections_enforced_consecutive_gateway_failure: number;
  ejections_detected_consecutive_gateway_failure: number;
  ejections_enforced_consecutive_local_origin_failure: number;
  ejections_detected_consecutive_local_origin_failure: number;
  ejections_enforced_success_rate: number;
  ejections_detected_success_rate: number;
  ejections_enforced_local_origin_success_rate: number;
  ejections_detected_local_origin_success_rate: number;
  ejections_enforced_failure_percentage: number;
  ejections_detected_failure_percentage: number;
  ejections_enforced_local_origin_failure_percentage: number;
  ejections_detected_local_origin_failure_percentage: number;
}

const STAT_SUFFIX: Record<OutlierEjectionType, string> = {
  CONSECUTIVE_5XX: 'consecutive_5xx',
  CONSECUTIVE_GATEWAY_FAILURE: 'consecutive_gateway_failure',
  CONSECUTIVE_LOCAL_ORIGIN_FAILURE: 'consecutive_local_origin_failure',
  SUCCESS_RATE: 'success_rate',
  SUCCESS_RATE_LOCAL_ORIGIN: 'local_origin_success_rate',
  FAILURE_PERCENTAGE: 'failure_percentage',
  FAILURE_PERCENTAGE_LOCAL_ORIGIN: 'local_origin_failure_percentage',
};

/** Per-host state, keyed by Host.key so that it survives EDS replacing the Host object. */
class Monitor {
  c5xx = 0;
  cgw = 0;
  clocal = 0;
  ejected = false;
  lastEjectionAt = 0;
  lastUnejectionAt: number | undefined;
  backoff = 0;
  numEjections = 0;
  jitterMs = 0;
  extTotal = 0;
  extSuccess = 0;
  localTotal = 0;
  localSuccess = 0;
  /** The interval that ended last (success-rate input). */
  ext: RateInput = { ejected: false, total: 0, success: 0 };
  local: RateInput = { ejected: false, total: 0, success: 0 };
  successRate = -1;
  localSuccessRate = -1;
  constructor(public host: Host) {}
}

/** What the admin `/clusters` page shows per host. */
export interface HostOutlierInfo {
  ejected: boolean;
  numEjections: number;
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  /** Success rate over the last interval (−1 when not computed), external and local origin. */
  successRate: number;
  localOriginSuccessRate: number;
}

export class OutlierDetector {
  readonly settings: OutlierSettings;
  readonly stats: OutlierStats = {
    ejections_overflow: 0,
    ejections_enforced_total: 0,
    ejections_enforced_consecutive_5xx: 0,
    ejections_detected_consecutive_5xx: 0,
    ejections_enforced_consecutive_gateway_failure: 0,
    ejections_detected_consecutive_gateway_failure: 0,
    ejections_enforced_consecutive_local_origin_failure: 0,
    ejections_detected_consecutive_local_origin_failure: 0,
    ejections_enforced_success_rate: 0,
    ejections_detected_success_rate: 0,
    ejections_enforced_local_origin_success_rate: 0,
    ejections_detected_local_origin_success_rate: 0,
    ejections_enforced_failure_percentage: 0,
    ejections_detected_failure_percentage: 0,
    ejections_enforced_local_origin_failure_percentage: 0,
    ejections_detected_local_origin_failure_percentage: 0,
  };
  private readonly monitors = new Map<string, Monitor>();
  private readonly clock: OutlierClock;
  private readonly random: () => number;
  private readonly onEvent: ((e: OutlierEvent) => void) | undefined;
  private active = 0;
  private timer: unknown;
  private closed = false;

  constructor(config: OutlierDetectionConfig | undefined, hosts: readonly Host[], opts: OutlierDetectorOptions = {}) {
    this.settings = resolveOutlierSettings(config);
    this.clock = opts.clock ?? realOutlierClock;
    this.random = opts.random ?? Math.random;
    this.onEvent = opts.onEvent;
    this.setHosts(hosts);
    this.arm();
  }

  // ---- hot path: counters only (ejection on a consecutive threshold is rare) ----

  onResult(host: Host, r: UpstreamResult): void {
    if (r.localOrigin !== undefined) this.onLocalOrigin(host, r.localOrigin);
    else if (r.status !== undefined) this.onStatus(host, r.status);
  }

  /** A response arrived with this status (the connection, then, worked). */
  onStatus(host: Host, status: number): void {
    const m = this.monitors.get(host.key);
    if (m === undefined) return;
    if (this.settings.splitExternalLocalOriginErrors) {
      m.localTotal++;
      m.localSuccess++;
      m.clocal = 0;
    }
    this.putHttp(m, status);
  }

  /** No response: the connection failed, was reset, or timed out. */
  onLocalOrigin(host: Host, kind: LocalOriginResult): void {
    const m = this.monitors.get(host.key);
    if (m === undefined) return;
    if (!this.settings.splitExternalLocalOriginErrors) {
      this.putHttp(m, kind === 'timeout' ? 504 : 503);
      return;
    }
    m.localTotal++;
    if (++m.clocal === this.settings.consecutiveLocalOriginFailure) this.onConsecutive(m, 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE');
  }

  private putHttp(m: Monitor, status: number): void {
    m.extTotal++;
    if (status >= 500 && status < 600) {
      if (status >= 502 && status <= 504) {
        if (++m.cgw === this.settings.consecutiveGatewayFailure) this.onConsecutive(m, 'CONSECUTIVE_GATEWAY_FAILURE');
      } else {
        m.cgw = 0;
      }
      if (++m.c5xx === this.settings.consecutive5xx) this.onConsecutive(m, 'CONSECUTIVE_5XX');
    } else {
      m.extSuccess++;
      m.c5xx = 0;
      m.cgw = 0;
    }
  }

  // ---- decisions ----

  private onConsecutive(m: Monitor, type: OutlierEjectionType): void {
    if (this.closed || m.ejected) return;
    this.countDetected(type);
    this.eject(m, type);
    if (type === 'CONSECUTIVE_5XX') m.c5xx = 0;
    else if (type === 'CONSECUTIVE_GATEWAY_FAILURE') m.cgw = 0;
    else m.clocal = 0;
  }

  private enforcing(type: OutlierEjectionType): number {
    const s = this.settings;
    switch (type) {
      case 'CONSECUTIVE_5XX': return s.enforcingConsecutive5xx;
      case 'CONSECUTIVE_GATEWAY_FAILURE': return s.enforcingConsecutiveGatewayFailure;
      case 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE': return s.enforcingConsecutiveLocalOriginFailure;
      case 'SUCCESS_RATE': return s.enforcingSuccessRate;
      case 'SUCCESS_RATE_LOCAL_ORIGIN': return s.enforcingLocalOriginSuccessRate;
      case 'FAILURE_PERCENTAGE': return s.enforcingFailurePercentage;
      case 'FAILURE_PERCENTAGE_LOCAL_ORIGIN': return s.enforcingFailurePercentageLocalOrigin;
    }
  }

  private eject(m: Monitor, type: OutlierEjectionType): void {
    const s = this.settings;
    const share = (100 * (this.active + 1)) / this.monitors.size;
    const allowed = share <= s.maxEjectionPercent || (s.alwaysEjectOneHost && this.active === 0);
    if (!allowed) {
      this.stats.ejections_overflow++;
      return;
    }
    const pct = this.enforcing(type);
    const enforced = pct >= 100 || (pct > 0 && this.random() * 100 < pct);
    if (!enforced) {
      this.onEvent?.({ action: 'eject', host: m.host, type, enforced: false, numEjections: m.numEjections });
      return;
    }
    this.active++;
    this.stats.ejections_enforced_total++;
    this.stats[`ejections_enforced_${STAT_SUFFIX[type]}` as keyof OutlierStats]++;
    m.ejected = true;
    m.host.ejected = true;
    m.numEjections++;
    m.lastEjectionAt = this.clock.now();
    m.jitterMs = s.maxEjectionJitterMs > 0 ? Math.floor(this.random() * (s.maxEjectionJitterMs + 1)) : 0;
    if (m.backoff * s.baseEjectionMs < s.maxEjectionMs + s.baseEjectionMs) m.backoff++;
    this.onEvent?.({ action: 'eject', host: m.host, type, enforced: true, numEjections: m.numEjections, durationMs: this.ejectionMs(m) });
  }

  private ejectionMs(m: Monitor): number {
    return Math.min(this.settings.baseEjectionMs * m.backoff, this.settings.maxEjectionMs) + m.jitterMs;
  }

  private uneject(m: Monitor, now: number): void {
    this.active--;
    m.ejected = false;
    m.host.ejected = false;
    m.c5xx = 0;
    m.cgw = 0;
    m.clocal = 0;
    m.lastUnejectionAt = now;
    this.onEvent?.({ action: 'uneject', host: m.host, enforced: true, numEjections: m.numEjections });
  }

  private countDetected(type: OutlierEjectionType): void {
    this.stats[`ejections_detected_${STAT_SUFFIX[type]}` as keyof OutlierStats]++;
  }

  // ---- the interval ----

  private arm(): void {
    if (this.closed) return;
    this.timer = this.clock.setTimeout(() => this.runInterval(), this.settings.intervalMs);
  }

  /** One interval tick (the timer calls it; exposed for admin and tests). */
  runInterval(): void {
    if (this.closed) return;
    const now = this.clock.now();
    const list = [...this.monitors.values()];
    for (const m of list) {
      if (m.ejected && this.ejectionMs(m) <= now - m.lastEjectionAt) this.uneject(m, now);
      m.ext = { ejected: false, total: m.extTotal, success: m.extSuccess };
      m.local = { ejected: false, total: m.localTotal, success: m.localSuccess };
      m.extTotal = m.extSuccess = m.localTotal = m.localSuccess = 0;
      m.successRate = -1;
      m.localSuccessRate = -1;
    }
    this.rates(list, false);
    this.rates(list, true);
    for (const m of list) {
      if (!m.ejected && m.lastUnejectionAt !== undefined && now - m.lastUnejectionAt >= this.settings.intervalMs && m.backoff > 0) {
        m.backoff--;
      }
    }
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.arm();
  }

  private rates(list: Monitor[], local: boolean): void {
    const inputs = list.map((m) => ({ ...(local ? m.local : m.ext), ejected: m.ejected }));
    const v = evaluateRates(inputs, this.settings);
    list.forEach((m, i) => {
      if (local) m.localSuccessRate = v.rates[i];
      else m.successRate = v.rates[i];
    });
    const sr: OutlierEjectionType = local ? 'SUCCESS_RATE_LOCAL_ORIGIN' : 'SUCCESS_RATE';
    const fp: OutlierEjectionType = local ? 'FAILURE_PERCENTAGE_LOCAL_ORIGIN' : 'FAILURE_PERCENTAGE';
    for (const i of v.successRateOutliers) {
      this.countDetected(sr);
      if (!list[i].ejected) this.eject(list[i], sr);
    }
    for (const i of v.failurePercentageOutliers) {
      this.countDetected(fp);
      if (!list[i].ejected) this.eject(list[i], fp);
    }
  }

  // ---- membership, stats, lifecycle ----

  /**
   * The cluster's hosts changed (EDS, DNS). Monitors are kept by Host.key: a replaced Host object
   * inherits its predecessor's ejection; new hosts start clean; removed hosts are forgotten.
   */
  setHosts(hosts: readonly Host[]): void {
    const seen = new Set<string>();
    for (const h of hosts) {
      seen.add(h.key);
      const m = this.monitors.get(h.key);
      if (m) {
        m.host = h;
        h.ejected = m.ejected;
      } else {
        h.ejected = false;
        this.monitors.set(h.key, new Monitor(h));
      }
    }
    for (const [key, m] of this.monitors) {
      if (seen.has(key)) continue;
      if (m.ejected) this.active--;
      this.monitors.delete(key);
    }
  }

  /** Hosts currently ejected (Envoy's `outlier_detection.ejections_active` gauge). */
  ejectedCount(): number {
    return this.active;
  }

  hostInfo(host: Host): HostOutlierInfo | undefined {
    const m = this.monitors.get(host.key);
    if (!m) return undefined;
    return {
      ejected: m.ejected,
      numEjections: m.numEjections,
      consecutive5xx: m.c5xx,
      consecutiveGatewayFailure: m.cgw,
      consecutiveLocalOriginFailure: m.clocal,
      successRate: m.successRate,
      localOriginSuccessRate: m.localSuccessRate,
    };
  }

  /**
   * Stops the timer. Hosts this detector ejected are released (nothing could un-eject them
   * later); a detector replacing this one for the same hosts starts from a clean state.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const m of this.monitors.values()) {
      if (m.ejected) {
        m.ejected = false;
        m.host.ejected = false;
      }
    }
    this.active = 0;
  }
}
