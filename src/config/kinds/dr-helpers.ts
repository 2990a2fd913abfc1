/**
 * Small helpers shared by the DestinationRule rule files (traffic-policy.ts, load-balancer.ts):
 * presence tests that treat null as unset, as protobuf JSON does, and a duration-syntax check for
 * the few duration fields Istio accepts without a range rule. Pure, no I/O.
 */
import type { Ctx, Path } from '../ctx.js';
import { parseDuration } from '../duration.js';

export const isSet = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

export const nonEmpty = (v: readonly unknown[] | null | undefined): boolean => Array.isArray(v) && v.length > 0;

/** A protobuf duration with no range rule (retryBudget.budgetInterval, httpCookie.ttl). */
export function checkDurationSyntax(ctx: Ctx, path: Path, text: string): void {
  if (parseDuration(text) === undefined) {
    ctx.error(path, `invalid duration ${JSON.stringify(text)}; use a number with a unit (ms, s, m, h), e.g. "10s" or "100ms"`);
  }
}
