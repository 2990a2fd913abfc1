/**
 * A config store held in memory and changed by calls: for tests, benchmarks and embedding. Two
 * ways in, both with the rules of `object-set.ts` (invalid edits keep the last good version,
 * duplicates are reported): `applyText(file, text)` / `removeFile(file)` treat text as a file in a
 * watched directory would be treated, and `set(objects)` / `delete(refs)` change objects one by
 * one (each its own source, so an invalid `set` keeps that object's previous version).
 * Every call that changes something notifies subscribers synchronously, once per call.
 */
import { loadTexts, type LoadOptions } from '../load.js';
import type { ValidatedObject } from '../validate.js';
import { Listeners } from './listeners.js';
import { keyOf, ObjectSet, type SourceContent } from './object-set.js';
import type { ConfigStore, StoreEvent, StoreListener, StoreProblem } from './types.js';

export interface ObjectName {
  kind: string;
  namespace: string;
  name: string;
}

const OBJECT_SOURCE = 'memory:';

export class MemoryStore implements ConfigStore {
  private readonly set_ = new ObjectSet();
  private readonly listeners: Listeners;

  constructor(private readonly opts: LoadOptions & { onListenerError?: (e: unknown) => void } = {}) {
    this.listeners = new Listeners(opts.onListenerError);
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {}

  list(): readonly ValidatedObject[] {
    return this.set_.list();
  }

  problems(): readonly StoreProblem[] {
    return this.set_.problems();
  }

  subscribe(fn: StoreListener): () => void {
    return this.listeners.add(fn);
  }

  /** Parses and validates `text` as the new content of `file` (YAML or JSON, multi-document). */
  applyText(file: string, text: string): StoreEvent {
    const loaded = loadTexts([{ file, text }], { defaultNamespace: this.opts.defaultNamespace });
    return this.apply([[file, loaded]]);
  }

  /** Forgets a file given to `applyText`: its objects are removed. */
  removeFile(file: string): StoreEvent {
    return this.apply([[file, null]]);
  }

  /** Adds or replaces objects (already validated, e.g. by `loadTexts`); invalid ones are rejected. */
  set(objects: readonly ValidatedObject[]): StoreEvent {
    return this.apply(objects.map((o) => [`${OBJECT_SOURCE}${keyOf(o.raw)}`, { objects: [o], failures: [] }] as const));
  }

  /** Removes objects added with `set`. */
  delete(names: readonly ObjectName[]): StoreEvent {
    return this.apply(names.map((n) => [`${OBJECT_SOURCE}${n.kind}/${n.namespace}/${n.name}`, null] as const));
  }

  private apply(updates: readonly (readonly [string, SourceContent | null])[]): StoreEvent {
    const r = this.set_.apply(updates);
    const event: StoreEvent = { changed: r.changed, changes: r.changes, objects: this.set_.list(), problems: r.problems, sources: updates.map(([s]) => s) };
    if (r.changes.length > 0 || r.problems.length > 0) this.listeners.emit(event);
    return event;
  }
}
