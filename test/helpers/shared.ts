/**
 * Locates `../shared` (conformance data and seed guides) next to the repo. Tests that need it
 * skip with a message where it is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = process.env.TRELLIS_SHARED ?? join(REPO_ROOT, '..', 'shared');
export const CONFORMANCE = join(SHARED, 'conformance');

/** The path if it exists, else a skip message for `test(..., { skip })`. */
export function sharedPath(...parts: string[]): { path: string; skip: false | string } {
  const path = join(SHARED, ...parts);
  return { path, skip: existsSync(path) ? false : `${path} is absent; skipping (it lives in ../shared beside the repo)` };
}
