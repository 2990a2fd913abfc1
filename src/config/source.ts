/**
 * Reads config input named on the command line: files, directories (recursive; `.yaml`, `.yml`,
 * `.json`) and `-` for stdin. Returns the texts in a stable order; an unreadable path is a
 * `TrellisError` with code `E_READ` (the CLI turns it into exit status 2).
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

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      walk(p, out);
    } else if ((e.isFile() || e.isSymbolicLink()) && hasConfigExtension(e.name)) {
      out.push(p);
    }
  }
}

/** Lists the config files a set of paths names (directories expanded), without reading them. */
export function listFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') { out.push('-'); continue; }
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new TrellisError('E_READ', `cannot read ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    if (st.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

export function readSources(paths: readonly string[], stdin: () => string = () => readFileSync(0, 'utf8')): SourceText[] {
  return listFiles(paths).map((file) => {
    if (file === '-') return { file: '<stdin>', text: stdin() };
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new TrellisError('E_READ', `cannot read ${file}: ${(e as Error).message}`);
    }
  });
}
