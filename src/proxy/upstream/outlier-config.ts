/**
 * An Envoy Cluster's `outlierDetection` (proto3 JSON) resolved once into plain numbers with
 * Envoy's defaults, for the OutlierDetector. Nothing here runs per request.
 *
 * Defaults are Envoy's (`DetectorConfig`): interval 10s, base ejection 30s, max ejection time
 * max(300s, base), consecutive 5xx / gateway / local-origin thresholds 5, enforcing 5xx 100%,
 * enforcing gateway 0%, enforcing local origin 100%, max ejection percent 10, success rate on
 * (enforcing 100%, minimum 5 hosts, 100 requests, stdev factor 1.9), failure percentage off
 * (enforcing 0%, threshold 85, minimum 5 hosts, 50 requests). Envoy rejects a cluster whose
 * max ejection time is below its base ejection time: `validateOutlierDetection` says so, so that
 * the xDS client can NACK it.
 *
 * Istio's DestinationRule `trafficPolicy.outlierDetection` → these fields (compile/clusters/
 * load-balancer.ts): consecutive5xxErrors → consecutive5xx (+ enforcingConsecutive5xx 100, or 0
 * when the value is 0); consecutiveGatewayErrors → consecutiveGatewayFailure (+ enforcing 100 /
 * 0); the deprecated consecutiveErrors → gateway failures only; interval, baseEjectionTime,
 * maxEjectionPercent copied; splitExternalLocalOriginErrors and consecutiveLocalOriginFailures →
 * splitExternalLocalOriginErrors, consecutiveLocalOriginFailure (+ enforcing 100); Istio always
 * sets enforcingSuccessRate 0 (success-rate ejection never enforced, only detected); its
 * minHealthPercent is not an outlier field but commonLbConfig.healthyPanicThreshold, which the
 * load balancer applies (panic routing), not this detector.
 */
import type { OutlierDetection } from '../../api/envoy/cluster.js';
import type { Duration } from '../../api/envoy/common.js';
import { parseDuration } from '../../api/xds/wkt.js';

/**
 * The fields this detector reads. Wider than api/envoy's OutlierDetection type, which lacks the
 * proto's success-rate / failure-percentage knobs and max ejection time; all optional.
 */
export interface OutlierDetectionConfig extends OutlierDetection {
  maxEjectionTime?: Duration;
  maxEjectionTimeJitter?: Duration;
  alwaysEjectOneHost?: boolean;
  successRateMinimumHosts?: number;
  successRateRequestVolume?: number;
  successRateStdevFactor?: number;
  failurePercentageThreshold?: number;
  failurePercentageMinimumHosts?: number;
  failurePercentageRequestVolume?: number;
  enforcingFailurePercentage?: number;
  enforcingFailurePercentageLocalOrigin?: number;
}

export interface OutlierSettings {
  intervalMs: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectionJitterMs: number;
  maxEjectionPercent: number;
  alwaysEjectOneHost: boolean;
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  enforcingConsecutive5xx: number;
  enforcingConsecutiveGatewayFailure: number;
  enforcingConsecutiveLocalOriginFailure: number;
  splitExternalLocalOriginErrors: boolean;
  enforcingSuccessRate: number;
  enforcingLocalOriginSuccessRate: number;
  successRateMinimumHosts: number;
  successRateRequestVolume: number;
  /** Already divided by 1000 (Envoy's 1900 → 1.9). */
  successRateStdevFactor: number;
  enforcingFailurePercentage: number;
  enforcingFailurePercentageLocalOrigin: number;
  failurePercentageThreshold: number;
  failurePercentageMinimumHosts: number;
  failurePercentageRequestVolume: number;
}

function ms(d: Duration | undefined): number | undefined {
  if (d === undefined) return undefined;
  const v = parseDuration(d);
  if (!v) return undefined;
  return Number(v.seconds) * 1000 + v.nanos / 1e6;
}

const num = (v: number | undefined, dflt: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);

/** Why Envoy would reject this config (for a NACK), or undefined when it is acceptable. */
export function validateOutlierDetection(c: OutlierDetectionConfig): string | undefined {
  for (const f of ['interval', 'baseEjectionTime', 'maxEjectionTime', 'maxEjectionTimeJitter'] as const) {
    const v = c[f];
    if (v !== undefined && (ms(v) === undefined || ms(v)! < 0)) return `outlier_detection.${f}: invalid duration "${v}"`;
  }
  const interval = ms(c.interval);
  if (interval !== undefined && interval <= 0) return 'outlier_detection.interval must be greater than 0';
  const base = ms(c.baseEjectionTime) ?? 30_000;
  const max = ms(c.maxEjectionTime);
  if (max !== undefined && max < base) return "outlier detector's max_ejection_time cannot be smaller than base_ejection_time";
  for (const f of [
    'maxEjectionPercent', 'enforcingConsecutive5xx', 'enforcingConsecutiveGatewayFailure', 'enforcingSuccessRate',
    'enforcingConsecutiveLocalOriginFailure', 'enforcingLocalOriginSuccessRate', 'enforcingFailurePercentage',
    'enforcingFailurePercentageLocalOrigin', 'failurePercentageThreshold',
  ] as const) {
    const v = c[f];
    if (v !== undefined && (v < 0 || v > 100)) return `outlier_detection.${f} must be within [0, 100], got ${v}`;
  }
  return undefined;
}

/** Envoy's defaults filled in. Call validateOutlierDetection first; this one does not reject. */
export function resolveOutlierSettings(c: OutlierDetectionConfig = {}): OutlierSettings {
  const baseEjectionMs = ms(c.baseEjectionTime) ?? 30_000;
  return {
    intervalMs: Math.max(1, ms(c.interval) ?? 10_000),
    baseEjectionMs,
    maxEjectionMs: Math.max(baseEjectionMs, ms(c.maxEjectionTime) ?? Math.max(300_000, baseEjectionMs)),
    maxEjectionJitterMs: ms(c.maxEjectionTimeJitter) ?? 0,
    maxEjectionPercent: Math.min(100, num(c.maxEjectionPercent, 10)),
    alwaysEjectOneHost: c.alwaysEjectOneHost === true,
    consecutive5xx: num(c.consecutive5xx, 5),
    consecutiveGatewayFailure: num(c.consecutiveGatewayFailure, 5),
    consecutiveLocalOriginFailure: num(c.consecutiveLocalOriginFailure, 5),
    enforcingConsecutive5xx: num(c.enforcingConsecutive5xx, 100),
    enforcingConsecutiveGatewayFailure: num(c.enforcingConsecutiveGatewayFailure, 0),
    enforcingConsecutiveLocalOriginFailure: num(c.enforcingConsecutiveLocalOriginFailure, 100),
    splitExternalLocalOriginErrors: c.splitExternalLocalOriginErrors === true,
    enforcingSuccessRate: num(c.enforcingSuccessRate, 100),
    enforcingLocalOriginSuccessRate: num(c.enforcingLocalOriginSuccessRate, 100),
    successRateMinimumHosts: num(c.successRateMinimumHosts, 5),
    successRateRequestVolume: num(c.successRateRequestVolume, 100),
    successRateStdevFactor: num(c.successRateStdevFactor, 1900) / 1000,
    enforcingFailurePercentage: num(c.enforcingFailurePercentage, 0),
    enforcingFailurePercentageLocalOrigin: num(c.enforcingFailurePercentageLocalOrigin, 0),
    failurePercentageThreshold: num(c.failurePercentageThreshold, 85),
    failurePercentageMinimumHosts: num(c.failurePercentageMinimumHosts, 5),
    failurePercentageRequestVolume: num(c.failurePercentageRequestVolume, 50),
  };
}
