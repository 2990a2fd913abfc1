/**
 * Text rendering of an explanation: the request, one block per decision (what was decided, the
 * xDS object and field, the Istio object with file:line, details indented), then the outcome and
 * any suggested fixes.
 */
import { describeSource } from './sources.js';
import type { Explanation } from './types.js';

export function renderText(ex: Explanation): string {
  const lines: string[] = [];
  const w = ex.workload;
  lines.push(`${ex.request.method} ${ex.request.url} from ${w.proxyType} ${w.namespace}/${w.podName} (${w.ip})`);
  if (Object.keys(ex.request.headers).length) {
    lines.push(`  headers: ${Object.entries(ex.request.headers).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  }
  for (const s of ex.steps) {
    lines.push('');
    lines.push(`${s.step}: ${s.decision}`);
    if (s.object) lines.push(`  from: ${s.object}${s.field ? ` (${s.field})` : ''}`);
    if (s.source) lines.push(`  config: ${describeSource(s.source)}`);
    for (const d of s.details ?? []) lines.push(...d.split('\n').map((x, i) => `  ${i === 0 ? '- ' : '  '}${x}`));
  }
  lines.push('');
  const o = ex.outcome;
  lines.push(`result: ${o.kind.toUpperCase()}${o.status !== undefined ? ` ${o.status}` : ''}${o.responseFlag ? ` ${o.responseFlag}` : ''}`);
  lines.push(`  ${o.message}`);
  for (const sug of o.suggestions ?? []) lines.push(...sug.split('\n').map((x, i) => `  ${i === 0 ? 'fix: ' : '     '}${x}`));
  return lines.join('\n') + '\n';
}
