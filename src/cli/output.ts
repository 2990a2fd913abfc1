/**
 * Shared CLI output helpers: the `-o` format option and its check.
 */
import { TrellisError } from '../common/errors.js';

export function checkFormat(value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) {
    throw new TrellisError('E_USAGE', `unknown output format ${JSON.stringify(value)}; use one of: ${allowed.join(', ')}`);
  }
  return value;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
