/**
 * DestinationRule validation, as Istio's admission webhook and CRD do it (ISTIO-RULES §3.3
 * rules 36–46, with the shared rules 6–9): the host, subsets (unique DNS-label names, valid
 * labels, their own traffic policies), exportTo (a DR with a workloadSelector stays in its own
 * namespace) and the workload selector. The field schema is in destination-rule-schema.ts; the
 * traffic policy rules are in traffic-policy.ts and load-balancer.ts.
 */
import type { KindValidator } from './kind.js';
import type { Ctx } from '../ctx.js';
import type { DestinationRuleSpec, DRWorkloadSelector, Subset } from '../../api/istio/destination-rule.js';
import { checkExportTo, checkLabels, checkWorkloadSelector, isDns1123Label, wildcardDomainError } from '../rules.js';
import { destinationRuleSchema } from './destination-rule-schema.js';
import { validateTrafficPolicy } from './traffic-policy.js';
import { isSet } from './dr-helpers.js';

const MAX_SELECTOR_VALUE = 63;

function validateHost(ctx: Ctx, host: string | undefined): void {
  if (!host) {
    ctx.error(['spec', 'host'], 'host is required: the service this rule applies to, e.g. "reviews" or "reviews.prod.svc.cluster.local"');
    return;
  }
  const e = wildcardDomainError(host);
  if (e) ctx.error(['spec', 'host'], e);
}

function validateSubsets(ctx: Ctx, subsets: readonly (Subset | null)[]): void {
  const names = new Set<string>();
  subsets.forEach((s, i) => {
    const at = ['spec', 'subsets', i];
    if (!isSet(s)) {
      ctx.error(at, 'a subset may not be null; give at least a name, e.g. name: v1');
      return;
    }
    const name = s.name ?? '';
    if (name === '') {
      ctx.error([...at, 'name'], 'subset name is required: a DNS-1123 label such as "v1"');
    } else {
      if (names.has(name)) ctx.error([...at, 'name'], `duplicate subset name ${JSON.stringify(name)}; subset names must be unique`);
      names.add(name);
      if (!isDns1123Label(name)) {
        ctx.error([...at, 'name'], `invalid subset name ${JSON.stringify(name)}: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63), e.g. "v1"`);
      }
    }
    if (isSet(s.labels)) checkLabels(ctx, [...at, 'labels'], s.labels);
    if (isSet(s.trafficPolicy)) validateTrafficPolicy(ctx, [...at, 'trafficPolicy'], s.trafficPolicy);
  });
}

function validateSelector(ctx: Ctx, sel: DRWorkloadSelector): void {
  const path = ['spec', 'workloadSelector', 'matchLabels'];
  checkWorkloadSelector(ctx, path, sel.matchLabels ?? undefined, 'destination rule');
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (v.length > MAX_SELECTOR_VALUE) {
      ctx.error([...path, k], `label value must be at most ${MAX_SELECTOR_VALUE} characters, got ${v.length}`);
    }
  }
}

export const destinationRule: KindValidator<DestinationRuleSpec> = {
  kind: 'DestinationRule',
  schema: destinationRuleSchema,
  validate(spec, ctx) {
    validateHost(ctx, spec.host);
    if (isSet(spec.trafficPolicy)) validateTrafficPolicy(ctx, ['spec', 'trafficPolicy'], spec.trafficPolicy);
    if (isSet(spec.subsets)) validateSubsets(ctx, spec.subsets);
    checkExportTo(ctx, ['spec', 'exportTo'], spec.exportTo, { drWithSelector: isSet(spec.workloadSelector) });
    if (isSet(spec.workloadSelector)) validateSelector(ctx, spec.workloadSelector);
  },
};
