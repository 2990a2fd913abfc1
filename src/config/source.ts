/**
 * Reads config input named on the command line: files, directories (`.yaml`, `.yml`, `.json`)
 * and `-` for stdin. A directory contributes only its own files, as `kubectl apply -f DIR` reads
 * it; with `recursive` (the CLI's `-R`) its sub-directories too (skipping dot-directories and
 * node_modules). Returns the texts in a stable order; an unreadable path is a `TrellisError` with
 * code `E_READ` (the CLI turns it into exit status 2).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TrellisError } from '../common/errors.js';

export interface SourceText {
  file: string;
  text: string;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

function hasConfigExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return EXTENSIONS.some((e) => lower.endsWith(e));
}

export interface ListOptions {
  /** Also read the sub-directories of a directory (kubectl's `-R`). Default false. */
  recursive?: boolean;
}

function walk(dir: string, out: string[], recursive: boolean): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!recursive || e.name === 'node_modules' || e.name.startsWith('.')) continue;
      walk(p, out, true);
    } else if ((e.isFile() || e.isSymbolicLink()) && hasConfigExtension(e.name)) {
      out.push(p);
    }
  }
}

/** Lists the config files a set of paths names (directories expanded), without reading them. */
export function listFiles(paths: readonly string[], opts: ListOptions = {}): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') { out.push('-'); continue; }
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new TrellisError('E_READ', `cannot read ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    if (st.isDirectory()) walk(p, out, opts.recursive === true);
    else out.push(p);
  }
  return out;
}

export function readSources(paths: readonly string[], stdin: () => string = () => readFileSync(0, 'utf8'), opts: ListOptions = {}): SourceText[] {
  return listFiles(paths, opts).map((file) => {
    if (file === '-') return { file: '<stdin>', text: stdin() };
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new TrellisError('E_READ', `cannot read ${file}: ${(e as Error).message}`);
    }
  });
}
