/**
 * Reads, parses and validates config from paths: the one call the CLI and the control plane use
 * to turn files into validated objects. Throws `TrellisError(E_READ)` only for unreadable paths;
 * everything wrong inside the files is reported in the result.
 */
import { parseText, type ParseFailure, type Skipped } from './parse.js';
import { readSources } from './source.js';
import { validateObject, type ValidatedObject } from './validate.js';

export interface LoadedConfig {
  objects: ValidatedObject[];
  skipped: Skipped[];
  failures: ParseFailure[];
}

export interface LoadOptions {
  defaultNamespace?: string;
  stdin?: () => string;
  /** Read directories' sub-directories too (`-R`). Default false: a directory's own files. */
  recursive?: boolean;
}

export function loadTexts(sources: readonly { file: string; text: string }[], opts: LoadOptions = {}): LoadedConfig {
  const out: LoadedConfig = { objects: [], skipped: [], failures: [] };
  for (const src of sources) {
    const parsed = parseText(src.file, src.text, { defaultNamespace: opts.defaultNamespace });
    for (const raw of parsed.objects) out.objects.push(validateObject(raw));
    out.skipped.push(...parsed.skipped);
    out.failures.push(...parsed.failures);
  }
  return out;
}

export function loadPaths(paths: readonly string[], opts: LoadOptions = {}): LoadedConfig {
  return loadTexts(readSources(paths, opts.stdin, { recursive: opts.recursive }), opts);
}
