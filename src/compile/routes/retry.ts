/**
 * HTTPRetry → Envoy RetryPolicy, as Istio's route/retry ConvertPolicy: with no `retries` the
 * mesh default (2 retries on connect-failure,refused-stream,unavailable,cancelled,
 * retriable-status-codes, skipping previously tried hosts unless consistent hashing is in use,
 * 5 host-selection attempts); `attempts: 0` disables retries; numeric retryOn entries become
 * retriableStatusCodes. Pure.
 */
import type { RetryHostPredicate, RetryPolicy } from '../../api/envoy/route.js';
import { RouteTypeUrl } from '../../api/envoy/route.js';
import type { HTTPRetry } from '../../api/istio/virtual-service.js';
import { toDuration } from '../duration.js';

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const DEFAULT_NUM_RETRIES = 2;
const HOST_SELECTION_ATTEMPTS = '5';

export function previousHostsPredicate(): RetryHostPredicate {
  return {
    name: 'envoy.retry_host_predicates.previous_hosts',
    typedConfig: { '@type': RouteTypeUrl.PreviousHostsPredicate },
  };
}

/** HTTP status codes Go's net/http knows (http.StatusText != ""), which Istio accepts in retryOn. */
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423,
  424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

function parseRetryOn(retryOn: string): { on: string; codes: number[] } {
  const codes: number[] = [];
  const parts: string[] = [];
  for (const raw of retryOn.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const n = /^[+-]?\d+$/.test(part) ? Number(part) : NaN;
    if (KNOWN_STATUS.has(n)) codes.push(n);
    else parts.push(part);
  }
  return { on: parts.join(','), codes };
}

function defaultPolicy(consistentHash: boolean): RetryPolicy {
  const p: RetryPolicy = {
    retryOn: DEFAULT_RETRY_ON,
    numRetries: DEFAULT_NUM_RETRIES,
    hostSelectionRetryMaxAttempts: HOST_SELECTION_ATTEMPTS,
  };
  if (!consistentHash) p.retryHostPredicate = [previousHostsPredicate()];
  return p;
}

/** The route's retry policy; undefined when retries are disabled (`attempts` ≤ 0). */
export function convertRetryPolicy(retries: HTTPRetry | null | undefined, consistentHash: boolean): RetryPolicy | undefined {
  if (!retries) return defaultPolicy(consistentHash);
  const attempts = retries.attempts ?? 0;
  if (attempts <= 0) return undefined;
  const out = defaultPolicy(consistentHash);
  out.numRetries = attempts;
  if (retries.retryOn) {
    const { on, codes } = parseRetryOn(retries.retryOn);
    out.retryOn = on;
    if (codes.length) {
      out.retriableStatusCodes = codes;
      if (!on.includes('retriable-status-codes')) out.retryOn = on === '' ? 'retriable-status-codes' : `${on},retriable-status-codes`;
    }
  }
  const perTry = toDuration(retries.perTryTimeout);
  if (perTry) out.perTryTimeout = perTry;
  if (retries.retryIgnorePreviousHosts != null) {
    if (retries.retryIgnorePreviousHosts) out.retryHostPredicate = [previousHostsPredicate()];
    else delete out.retryHostPredicate;
  }
  if (retries.retryRemoteLocalities) {
    out.retryPriority = {
      name: 'envoy.retry_priorities.previous_priorities',
      typedConfig: { '@type': RouteTypeUrl.PreviousPrioritiesConfig, updateFrequency: 2 },
    };
  }
  const backoff = toDuration(retries.backoff);
  if (backoff) out.retryBackOff = { baseInterval: backoff };
  return out;
}
