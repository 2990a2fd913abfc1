/**
 * A config store over a directory of YAML (and JSON) files, watched: the local mode's source of
 * config (`trellis control-plane --config DIR`, `trellis up -f DIR`). The directory's own files
 * are read, as `kubectl apply -f DIR` reads them; its sub-directories too with `recursive`.
 *
 * Change handling: any file-system event in the tree schedules a rescan, debounced (100 ms of
 * quiet, 1 s at most after the first event; injectable clock). A rescan lists the tree, reads
 * every config file and re-parses only the files whose text changed; files gone from the tree
 * remove their objects. What is accepted and what is rejected follows `object-set.ts`: an invalid
 * edit is reported (file:line, `Kind ns/name`, field, message) and the previous version of the
 * objects it touches stays in effect; a YAML syntax error keeps everything the file defined.
 * If the directory itself becomes unreadable, everything stays as it was and the problem is
 * reported until it comes back. When the system refuses watches (inotify limits, file systems
 * without notifications) the store polls instead, every `pollMs` (1 s by default then); polling
 * can also be asked for explicitly.
 */
import { readFileSync, statSync } from 'node:fs';
import { TrellisError } from '../../common/errors.js';
import { loadTexts } from '../load.js';
import type { ValidatedObject } from '../validate.js';
import { Debouncer } from './debounce.js';
import { DirWatcher, scanTree, type DirTree } from './dir-watch.js';
import { Listeners } from './listeners.js';
import { byFileAndLine, ObjectSet, type SourceContent } from './object-set.js';
import { realClock, type ConfigStore, type StoreClock, type StoreEvent, type StoreListener, type StoreProblem } from './types.js';

export interface FileDirStoreOptions {
  dir: string;
  /** Read (and watch) sub-directories too. Default false: only the directory's own files. */
  recursive?: boolean;
  clock?: StoreClock;
  /** Quiet period before a rescan. Default 100 ms. */
  debounceMs?: number;
  /** Longest wait after the first event of a burst. Default 1000 ms. */
  maxDelayMs?: number;
  /** Also rescan on this period (0: rely on watches). Default 0; 1000 when watching fails. */
  pollMs?: number;
  /** Watch the directory (default true). Without watching or polling, only `rescan()` reloads. */
  watch?: boolean;
  /** Namespace of objects that do not set one. Default `default`. */
  defaultNamespace?: string;
  /** Operational notes (fallback to polling, listener failures). */
  log?: (message: string) => void;
}

/** Counters for tests and debugging. */
export interface FileDirStats {
  /** File-system events received. */
  watchEvents: number;
  /** Rescans of the tree. */
  scans: number;
  /** Files parsed (only files whose text changed are parsed). */
  parsed: number;
  watchedDirs: number;
  mode: 'watch' | 'poll' | 'manual';
}

const FALLBACK_POLL_MS = 1000;

export class FileDirStore implements ConfigStore {
  private readonly set_ = new ObjectSet();
  private readonly texts = new Map<string, string>();
  private readonly readProblems = new Map<string, StoreProblem>();
  private dirProblem: StoreProblem | undefined;
  private readonly listeners: Listeners;
  private readonly clock: StoreClock;
  private readonly debouncer: Debouncer;
  private readonly watcher: DirWatcher;
  private pollTimer: unknown;
  private pollMs: number;
  /** Polling because watching failed or the directory vanished (ends once watches work again). */
  private fallbackPolling = false;
  private started = false;
  private closed = false;
  private readonly counters = { watchEvents: 0, scans: 0, parsed: 0 };

  constructor(private readonly opts: FileDirStoreOptions) {
    this.clock = opts.clock ?? realClock;
    this.pollMs = opts.pollMs ?? 0;
    this.listeners = new Listeners((e) => this.log(`config store: a subscriber failed: ${(e as Error).stack ?? String(e)}`));
    this.debouncer = new Debouncer(this.clock, () => this.rescan(), opts.debounceMs ?? 100, opts.maxDelayMs ?? 1000);
    this.watcher = new DirWatcher(() => {
      this.counters.watchEvents++;
      if (!this.closed) this.debouncer.trigger();
    });
  }

  get dir(): string {
    return this.opts.dir;
  }

  get stats(): FileDirStats {
    const watching = this.opts.watch !== false && this.watcher.size > 0;
    return { ...this.counters, watchedDirs: this.watcher.size, mode: watching ? 'watch' : this.pollMs > 0 ? 'poll' : 'manual' };
  }

  /** Whether a debounced rescan is scheduled. */
  get pending(): boolean {
    return this.debouncer.pending;
  }

  /** Reads the directory; throws `TrellisError(E_READ)` when it is missing or not a directory. */
  async start(): Promise<void> {
    if (this.started) return;
    let isDir = false;
    try {
      isDir = statSync(this.opts.dir).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new TrellisError('E_READ', `cannot read config directory ${this.opts.dir}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    if (!isDir) throw new TrellisError('E_READ', `${this.opts.dir} is not a directory`);
    const { tree } = this.scan(); // the initial content: read by list(), not announced
    this.started = true;
    if (tree && this.opts.watch !== false) this.watch(tree, true);
    this.armPoll();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.debouncer.cancel();
    this.watcher.close();
    if (this.pollTimer !== undefined) this.clock.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  list(): readonly ValidatedObject[] {
    return this.set_.list();
  }

  problems(): readonly StoreProblem[] {
    const extra = [...this.readProblems.values(), ...(this.dirProblem ? [this.dirProblem] : [])];
    return extra.length === 0 ? this.set_.problems() : [...this.set_.problems(), ...extra].sort(byFileAndLine);
  }

  subscribe(fn: StoreListener): () => void {
    return this.listeners.add(fn);
  }

  /** Runs a scheduled rescan now, if one is pending. */
  flush(): void {
    this.debouncer.flush();
  }

  /** Rescans the tree now (cancelling any scheduled rescan) and notifies subscribers of changes. */
  rescan(): StoreEvent | undefined {
    this.debouncer.cancel();
    if (this.closed || !this.started) return undefined;
    const { tree, event } = this.scan();
    if (tree && this.opts.watch !== false) this.watch(tree, false);
    if (event) this.listeners.emit(event);
    return event;
  }

  /**
   * Lists and reads the tree and applies the files whose text changed. Returns the tree (undefined
   * when the directory cannot be read) and the event to announce, if anything was processed.
   */
  private scan(): { tree?: DirTree; event?: StoreEvent } {
    this.counters.scans++;
    let tree: DirTree;
    try {
      tree = scanTree(this.opts.dir, this.opts.recursive === true);
    } catch (e) {
      const p: StoreProblem = {
        severity: 'error', file: this.opts.dir, line: 0, field: '',
        message: `cannot read the config directory: ${(e as Error).message}; the last good config stays in effect`,
      };
      const isNew = this.dirProblem?.message !== p.message;
      this.dirProblem = p;
      this.watcher.close(); // watches of a vanished tree are dead; the scan that finds it again renews them
      this.ensurePolling();
      return isNew ? { event: { changed: new Set(), changes: [], objects: this.list(), problems: [p], sources: [] } } : {};
    }
    this.dirProblem = undefined;
    const updates: [string, SourceContent | null][] = [];
    const seen = new Set<string>();
    const readProblems: StoreProblem[] = [];
    for (const file of tree.files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR') continue; // removed meanwhile (or a link to a directory)
        seen.add(file); // unreadable for now: keep what it defined
        const p: StoreProblem = { severity: 'error', file, line: 0, field: '', message: `cannot read: ${(e as Error).message}; the objects it defined stay in effect` };
        if (this.readProblems.get(file)?.message !== p.message) readProblems.push(p);
        this.readProblems.set(file, p);
        continue;
      }
      seen.add(file);
      this.readProblems.delete(file);
      if (this.texts.get(file) === text) continue;
      this.texts.set(file, text);
      this.counters.parsed++;
      updates.push([file, loadTexts([{ file, text }], { defaultNamespace: this.opts.defaultNamespace })]);
    }
    for (const file of [...this.texts.keys()]) {
      if (seen.has(file)) continue;
      this.texts.delete(file);
      updates.push([file, null]);
    }
    for (const file of [...this.readProblems.keys()]) if (!seen.has(file)) this.readProblems.delete(file);
    if (updates.length === 0 && readProblems.length === 0) return { tree };
    const r = this.set_.apply(updates);
    const event: StoreEvent = {
      changed: r.changed, changes: r.changes, objects: this.list(),
      problems: [...r.problems, ...readProblems].sort(byFileAndLine), sources: updates.map(([f]) => f),
    };
    return { tree, event };
  }

  private watch(tree: DirTree, initial: boolean): void {
    let added: string[];
    try {
      added = this.watcher.sync(tree.dirs);
    } catch (e) {
      this.log(`config store: cannot watch ${this.opts.dir} (${(e as Error).message}); polling every ${this.pollMs || FALLBACK_POLL_MS} ms instead`);
      this.ensurePolling();
      return;
    }
    if (this.fallbackPolling) {
      this.fallbackPolling = false;
      this.pollMs = this.opts.pollMs ?? 0;
    }
    // Files written into a new directory before its watch existed: look once more.
    if (!initial && added.length > 0) this.debouncer.trigger();
  }

  private ensurePolling(): void {
    if (this.pollMs > 0) return;
    this.fallbackPolling = true;
    this.pollMs = FALLBACK_POLL_MS;
    this.armPoll();
  }

  private armPoll(): void {
    if (this.pollMs <= 0 || this.closed || this.pollTimer !== undefined || !this.started) return;
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = undefined;
      if (this.closed) return;
      this.rescan();
      this.armPoll();
    }, this.pollMs);
  }

  private log(message: string): void {
    (this.opts.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(message);
  }
}
