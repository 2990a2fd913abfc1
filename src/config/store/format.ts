/**
 * One-line renderings of what a store reports, for logs and the CLI: a problem as
 * `file:line: error: Kind ns/name: field: message` (the shape `trellis validate` prints), plus
 * which last good version stays in effect; a change as `added Kind ns/name (file:line)`.
 */
import type { ObjectChange, StoreProblem } from './types.js';

export function formatProblem(p: StoreProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  const kept = p.kept ? `; the last good version (${p.kept.file}:${p.kept.line}) stays in effect` : '';
  return `${where}: ${p.severity}: ${p.object ? p.object + ': ' : ''}${p.field ? p.field + ': ' : ''}${p.message}${kept}`;
}

export function formatChange(c: ObjectChange): string {
  const ref = c.namespace ? `${c.kind} ${c.namespace}/${c.name}` : `${c.kind} ${c.name}`;
  return `${c.op} ${ref} (${c.file}:${c.line})`;
}
