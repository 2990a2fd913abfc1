/**
 * ServiceEntry addresses (Istio's serviceentry ProtocolAddressesAnalyzer, IST0134): a ServiceEntry
 * without `addresses` (and without addresses allocated in its status) cannot be told apart by
 * destination IP, so each port serving TCP or an unset protocol gets a warning. Istio's
 * condition has no exception for any resolution; it is silenced only by IP auto-allocation in
 * the mesh config, which Trellis does not read, so it is always on here.
 */
import type { AnalysisContext } from './context.js';
import type { AnalysisMessage } from './message.js';
import { list, message, specOf, type ServiceEntrySpec } from './specs.js';

function statusHasAddresses(body: Record<string, unknown>): boolean {
  const status = body.status as { addresses?: unknown } | null | undefined;
  return !!status && Array.isArray(status.addresses) && status.addresses.length > 0;
}

export function analyzeServiceEntryAddresses(ctx: AnalysisContext): AnalysisMessage[] {
  const out: AnalysisMessage[] = [];
  for (const se of ctx.serviceEntries) {
    const spec = specOf<ServiceEntrySpec>(se);
    if (list(spec.addresses).length > 0 || statusHasAddresses(se.body)) continue;
    list(spec.ports).forEach((p, i) => {
      const protocol = p?.protocol ?? '';
      if (protocol !== '' && protocol.toUpperCase() !== 'TCP') return;
      out.push(message(se, 'IST0134', 'Warning', 'ServiceEntry addresses are required for this protocol.',
        ['spec', 'ports', i, protocol === '' ? 'number' : 'protocol']));
    });
  }
  return out;
}
