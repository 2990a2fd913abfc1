/**
 * DestinationRule `outlierDetection` and `loadBalancer` → Envoy cluster settings, as Istio's
 * `applyOutlierDetection` and `applyLoadBalancer`: consecutive 5xx / gateway errors with their
 * enforcing percentages (100 when the threshold is positive), success-rate ejection disabled,
 * `minHealthPercent` → healthy panic threshold; simple policies (default LEAST_REQUEST, Istio's
 * default), PASSTHROUGH → ORIGINAL_DST, consistent hash → RING_HASH (default minimum ring 1024)
 * or MAGLEV, slow start from warmup, locality weighting and failover on inline load assignments.
 */
import type { Locality } from '../../api/envoy/common.js';
import type { OutlierDetection as EnvoyOutlier } from '../../api/envoy/cluster.js';
import type { LoadBalancerSettings, OutlierDetection } from '../../api/istio/destination-rule.js';
import { applyLocalityLb, effectiveLocalitySetting, needsLocalityWeightedConfig } from '../endpoints/locality.js';
import type { Draft } from './draft.js';
import { toDuration } from '../duration.js';

export function applyOutlierDetection(d: Draft, outlier: OutlierDetection | undefined): void {
  if (!outlier) return;
  const out: EnvoyOutlier = { enforcingSuccessRate: 0 };
  const c5xx = outlier.consecutive5xxErrors;
  const cgw = outlier.consecutiveGatewayErrors;
  if (typeof c5xx === 'number') {
    out.consecutive5xx = c5xx;
    out.enforcingConsecutive5xx = c5xx > 0 ? 100 : 0;
  }
  if (typeof cgw === 'number') {
    out.consecutiveGatewayFailure = cgw;
    out.enforcingConsecutiveGatewayFailure = cgw > 0 ? 100 : 0;
  }
  // Deprecated `consecutiveErrors`: older Istio counted it as gateway errors only (istio/api#617).
  if (typeof c5xx !== 'number' && typeof cgw !== 'number' && (outlier.consecutiveErrors ?? 0) > 0) {
    out.consecutiveGatewayFailure = outlier.consecutiveErrors;
    out.enforcingConsecutiveGatewayFailure = 100;
    out.enforcingConsecutive5xx = 0;
  }
  const interval = toDuration(outlier.interval);
  if (interval) out.interval = interval;
  const base = toDuration(outlier.baseEjectionTime);
  if (base) out.baseEjectionTime = base;
  if ((outlier.maxEjectionPercent ?? 0) > 0) out.maxEjectionPercent = outlier.maxEjectionPercent;
  if (outlier.splitExternalLocalOriginErrors) {
    out.splitExternalLocalOriginErrors = true;
    const local = outlier.consecutiveLocalOriginFailures ?? 0;
    if (local > 0) {
      out.consecutiveLocalOriginFailure = local;
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
    out.enforcingLocalOriginSuccessRate = 0;
  }
  d.cluster.outlierDetection = out;
  const min = outlier.minHealthPercent ?? 0;
  if (min >= 0) d.cluster.commonLbConfig = { ...d.cluster.commonLbConfig, healthyPanicThreshold: { value: min } };
}

function slowStart(lb: LoadBalancerSettings | undefined): { slowStartConfig: { slowStartWindow: string } } | undefined {
  const w = toDuration(lb?.warmupDurationSecs ?? lb?.warmup?.duration);
  return w ? { slowStartConfig: { slowStartWindow: w } } : undefined;
}

export interface ProxyPlace {
  locality: Locality;
  labels: Readonly<Record<string, string>>;
}

export function applyLoadBalancer(d: Draft, lb: LoadBalancerSettings | undefined, place: ProxyPlace): void {
  const c = d.cluster;
  const setting = effectiveLocalitySetting(lb?.localityLbSetting);
  const failover = c.outlierDetection !== undefined;
  if (needsLocalityWeightedConfig(setting, failover)) {
    c.commonLbConfig = { ...c.commonLbConfig, localityWeightedLbConfig: {} };
  }
  if (d.groups && c.loadAssignment) {
    // Inline assignments have no endpoint labels to match failoverPriority against (as in Istio).
    c.loadAssignment = { ...c.loadAssignment, endpoints: applyLocalityLb(d.groups, place.locality, {}, setting, failover) };
  }
  if (c.type === 'ORIGINAL_DST') { c.lbPolicy = 'CLUSTER_PROVIDED'; return; }

  delete c.leastRequestLbConfig;
  delete c.roundRobinLbConfig;
  switch (lb?.simple ?? undefined) {
    case 'LEAST_CONN':
    case 'LEAST_REQUEST': setLeastRequest(d, lb); break;
    case 'RANDOM': c.lbPolicy = 'RANDOM'; break;
    case 'ROUND_ROBIN': setRoundRobin(d, lb); break;
    case 'PASSTHROUGH':
      c.lbPolicy = 'CLUSTER_PROVIDED';
      c.type = 'ORIGINAL_DST';
      delete c.loadAssignment;
      delete d.groups;
      break;
    default: setLeastRequest(d, lb);
  }
  applyConsistentHash(d, lb);
}

function setLeastRequest(d: Draft, lb: LoadBalancerSettings | undefined): void {
  d.cluster.lbPolicy = 'LEAST_REQUEST';
  const s = slowStart(lb);
  if (s) d.cluster.leastRequestLbConfig = s;
}

function setRoundRobin(d: Draft, lb: LoadBalancerSettings | undefined): void {
  d.cluster.lbPolicy = 'ROUND_ROBIN';
  const s = slowStart(lb);
  if (s) d.cluster.roundRobinLbConfig = s;
}

/** Istio's `ApplyRingHashLoadBalancer` (also used for proxyless gRPC clusters). */
export function applyConsistentHash(d: Draft, lb: LoadBalancerSettings | undefined): void {
  const ch = lb?.consistentHash;
  if (!ch) return;
  const c = d.cluster;
  delete c.leastRequestLbConfig;
  delete c.roundRobinLbConfig;
  if (ch.maglev) {
    c.lbPolicy = 'MAGLEV';
    if (ch.maglev.tableSize) c.maglevLbConfig = { tableSize: String(ch.maglev.tableSize) };
  } else if (ch.ringHash) {
    c.lbPolicy = 'RING_HASH';
    if (ch.ringHash.minimumRingSize) c.ringHashLbConfig = { minimumRingSize: String(ch.ringHash.minimumRingSize) };
  } else {
    c.lbPolicy = 'RING_HASH';
    c.ringHashLbConfig = { minimumRingSize: String(ch.minimumRingSize || 1024) };
  }
}
