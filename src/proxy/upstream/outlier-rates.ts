/**
 * The statistical half of outlier detection, run once per interval (never per request): given
 * each host's request volume and successes over the interval that just ended, which hosts are
 * success-rate outliers (below mean − stdevFactor × stdev among hosts with enough volume) and
 * which exceed the failure-percentage threshold. Envoy's `processSuccessRateEjections` with the
 * same guards: hosts already ejected and hosts with no requests are left out; a check runs only
 * when enough hosts (minimum hosts) have enough requests (request volume). Pure function: the
 * detector decides, enforces and counts.
 */

export interface RateInput {
  readonly ejected: boolean;
  readonly total: number;
  readonly success: number;
}

export interface RateParams {
  successRateMinimumHosts: number;
  successRateRequestVolume: number;
  successRateStdevFactor: number;
  failurePercentageThreshold: number;
  failurePercentageMinimumHosts: number;
  failurePercentageRequestVolume: number;
}

export interface RateVerdict {
  /** Success rate (0–100) per input index over the interval, −1 when not computed. */
  rates: number[];
  /** Indices below the success-rate ejection threshold. */
  successRateOutliers: number[];
  /** Indices whose failure percentage reaches the threshold. */
  failurePercentageOutliers: number[];
  /** Mean success rate and ejection threshold of the success-rate check, −1 when it did not run. */
  average: number;
  threshold: number;
}

export function evaluateRates(hosts: readonly RateInput[], p: RateParams): RateVerdict {
  const v: RateVerdict = { rates: hosts.map(() => -1), successRateOutliers: [], failurePercentageOutliers: [], average: -1, threshold: -1 };
  if (hosts.length < p.successRateMinimumHosts && hosts.length < p.failurePercentageMinimumHosts) return v;
  const sr: number[] = [];
  const fp: number[] = [];
  let sum = 0;
  const minVolume = Math.min(p.successRateRequestVolume, p.failurePercentageRequestVolume);
  hosts.forEach((h, i) => {
    if (h.ejected || h.total === 0) return;
    const rate = (h.success * 100) / h.total;
    if (h.total >= minVolume) v.rates[i] = rate;
    if (h.total >= p.successRateRequestVolume) { sr.push(i); sum += rate; }
    if (h.total >= p.failurePercentageRequestVolume) fp.push(i);
  });
  if (sr.length > 0 && sr.length >= p.successRateMinimumHosts) {
    const mean = sum / sr.length;
    let variance = 0;
    for (const i of sr) variance += (v.rates[i] - mean) ** 2;
    variance /= sr.length;
    const threshold = mean - p.successRateStdevFactor * Math.sqrt(variance);
    v.average = mean;
    v.threshold = threshold;
    for (const i of sr) if (v.rates[i] < threshold) v.successRateOutliers.push(i);
  }
  if (fp.length > 0 && fp.length >= p.failurePercentageMinimumHosts) {
    for (const i of fp) if (100 - v.rates[i] >= p.failurePercentageThreshold) v.failurePercentageOutliers.push(i);
  }
  return v;
}
