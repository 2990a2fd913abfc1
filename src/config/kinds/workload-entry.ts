/**
 * Istio WorkloadEntry (ISTIO-RULES §3.6, rules 67–69): a non-Kubernetes workload (VM, local
 * process) with an address, ports and labels. The rules themselves live in `workload-rules.ts`,
 * shared with ServiceEntry endpoints and WorkloadGroup templates.
 */
import type { KindValidator } from './kind.js';
import type { WorkloadEntry } from '../../api/istio/workload-entry.js';
import { checkWorkloadEntry, requireSpec, workloadEntrySchema } from './workload-rules.js';

export const workloadEntry: KindValidator<WorkloadEntry> = {
  kind: 'WorkloadEntry',
  schema: workloadEntrySchema,
  validate(spec, ctx, obj) {
    if (!requireSpec(ctx, obj, 'WorkloadEntry')) return;
    checkWorkloadEntry(ctx, ['spec'], spec, { mode: 'standalone' });
  },
};
