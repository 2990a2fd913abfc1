/**
 * The file-system side of the directory store: lists a config directory the way
 * `config/source.ts` does (its own `.yaml`/`.yml`/`.json` files, sorted; with `recursive` also
 * its sub-directories', skipping dot-directories and node_modules) together with the directories
 * read, and keeps one `fs.watch` per directory. Node 20's `fs.watch(dir, {recursive: true})` on Linux is emulated in JavaScript
 * and has missed files in new sub-directories, so each directory is watched on its own and the
 * set of watched directories follows every rescan. This module only reports that something
 * moved; what changed is found by the store's rescan.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface WatchedDir {
  path: string;
  /** `dev:ino`: a directory deleted and created again at the same path is another directory. */
  id: string;
}

export interface DirTree {
  files: string[];
  dirs: WatchedDir[];
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

function isConfigFile(name: string): boolean {
  const lower = name.toLowerCase();
  return EXTENSIONS.some((e) => lower.endsWith(e));
}

/**
 * Lists config files and directories under `root` (which must be a readable directory): only
 * `root` itself unless `recursive`.
 */
export function scanTree(root: string, recursive = false): DirTree {
  const out: DirTree = { files: [], dirs: [] };
  const walk = (dir: string, isRoot: boolean) => {
    let entries;
    let id: string;
    try {
      const st = statSync(dir);
      id = `${st.dev}:${st.ino}`;
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if (isRoot) throw e;
      return; // a sub-directory that vanished meanwhile
    }
    out.dirs.push({ path: dir, id });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!recursive || e.name === 'node_modules' || e.name.startsWith('.')) continue;
        walk(p, false);
      } else if ((e.isFile() || e.isSymbolicLink()) && isConfigFile(e.name)) {
        out.files.push(p);
      }
    }
  };
  walk(root, true);
  return out;
}

interface Watch {
  id: string;
  watcher: FSWatcher;
}

export class DirWatcher {
  private readonly watches = new Map<string, Watch>();

  /** `onChange` is called for any event in a watched directory (and when a watcher fails). */
  constructor(private readonly onChange: (dir: string, file: string | null) => void) {}

  get size(): number {
    return this.watches.size;
  }

  /**
   * Watches exactly `dirs`. Returns the directories newly watched; throws when the system
   * refuses a watch (e.g. ENOSPC: too many inotify watches), after closing all watches.
   */
  sync(dirs: readonly WatchedDir[]): string[] {
    const want = new Map(dirs.map((d) => [d.path, d.id]));
    for (const [path, w] of this.watches) {
      if (want.get(path) !== w.id) this.drop(path, w);
    }
    const added: string[] = [];
    for (const { path, id } of dirs) {
      if (this.watches.has(path)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(path, { persistent: false }, (_event, file) => this.onChange(path, file === null ? null : String(file)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // gone since the scan
        this.close();
        throw e;
      }
      const w: Watch = { id, watcher };
      watcher.on('error', () => {
        // The directory went away (or the watch broke): forget it; the rescan decides.
        this.drop(path, w);
        this.onChange(path, null);
      });
      this.watches.set(path, w);
      added.push(path);
    }
    return added;
  }

  close(): void {
    for (const w of this.watches.values()) w.watcher.close();
    this.watches.clear();
  }

  private drop(path: string, w: Watch): void {
    w.watcher.close();
    if (this.watches.get(path) === w) this.watches.delete(path);
  }
}
