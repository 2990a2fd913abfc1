/**
 * The bookkeeping every store shares: sources (files, or programmatic entries) each holding the
 * last good version of the objects they define, and the one object in effect per
 * `kind/namespace/name`. `apply` takes new parse results for some sources and answers what
 * changed. Pure data; no I/O, no clock.
 *
 * The rules, which keep the last good config and explain every rejection:
 * - A valid object replaces the previous version from the same source.
 * - An invalid object is rejected (one problem per error, with file, line, object and field);
 *   the previous accepted version of that object from the same source stays in effect.
 * - Objects a source no longer defines are removed, unless the source has documents that did not
 *   parse (a YAML syntax error): then nothing can be told about them and they all stay.
 * - A deleted source removes its objects.
 * - Duplicates (the same kind/namespace/name defined twice): the definition in effect stays and
 *   the other is reported as a warning and ignored, like a second `kubectl create` of an existing
 *   name. At start-up sources are read in path order, so the first file (and within a file the
 *   first document) wins. When the definition in effect goes away, the oldest remaining one takes
 *   over. (`trellis validate|proxy-config -f` read files as `kubectl apply` would, later wins.)
 * - Order: an object keeps the position it got when first accepted (creation order); updates
 *   keep it, as Kubernetes keeps creationTimestamp.
 * - An edit that changes only an object's line (another document above it grew) updates where the
 *   object is said to come from without counting as a change.
 */
import { objectRef, type RawObject } from '../../api/resource.js';
import type { ParseFailure, Skipped } from '../parse.js';
import type { ValidatedObject } from '../validate.js';
import type { ObjectChange, StoreProblem } from './types.js';

/** What a source contains now: its parse and validation result. */
export interface SourceContent {
  objects: readonly ValidatedObject[];
  failures: readonly ParseFailure[];
  skipped?: readonly Skipped[];
}

export interface ApplyResult {
  changes: ObjectChange[];
  changed: Set<string>;
  /** Problems of the sources applied now, plus duplicate warnings for the objects they touch. */
  problems: StoreProblem[];
}

interface Candidate {
  obj: ValidatedObject;
  /** When this source first defined the key (orders duplicates: oldest wins). */
  since: number;
}

interface Source {
  good: Map<string, Candidate>;
  problems: StoreProblem[];
}

interface Effective {
  obj: ValidatedObject;
  source: string;
  created: number;
}

export function keyOf(o: RawObject): string {
  return `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
}

function sameContent(a: ValidatedObject, b: ValidatedObject): boolean {
  return a === b || (a.raw.origin.file === b.raw.origin.file && JSON.stringify(a.raw.body) === JSON.stringify(b.raw.body));
}

function change(op: ObjectChange['op'], o: RawObject): ObjectChange {
  return { op, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, file: o.origin.file, line: o.origin.line };
}

export function byFileAndLine(a: StoreProblem, b: StoreProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
}

export class ObjectSet {
  private readonly sources = new Map<string, Source>();
  private readonly holders = new Map<string, Set<string>>();
  private readonly effective = new Map<string, Effective>();
  private readonly duplicates = new Map<string, StoreProblem[]>();
  private seq = 0;
  private listed: ValidatedObject[] | undefined;

  /** Accepted objects in creation order. */
  list(): readonly ValidatedObject[] {
    if (!this.listed) this.listed = [...this.effective.values()].sort((a, b) => a.created - b.created).map((e) => e.obj);
    return this.listed;
  }

  problems(): StoreProblem[] {
    const out: StoreProblem[] = [];
    for (const s of this.sources.values()) out.push(...s.problems);
    for (const d of this.duplicates.values()) out.push(...d);
    return out.sort(byFileAndLine);
  }

  sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  /** Applies new content for sources (`null`: the source is gone), in the order given. */
  apply(updates: Iterable<readonly [string, SourceContent | null]>): ApplyResult {
    const affected = new Set<string>();
    const problems: StoreProblem[] = [];
    for (const [name, content] of updates) {
      const old = this.sources.get(name);
      for (const k of old?.good.keys() ?? []) affected.add(k);
      if (content === null) {
        if (old) this.setSource(name, undefined, old);
        continue;
      }
      const next = this.readSource(content, old);
      for (const k of next.good.keys()) affected.add(k);
      this.setSource(name, next, old);
      problems.push(...next.problems);
    }
    const changes: ObjectChange[] = [];
    for (const key of affected) {
      const c = this.resolve(key);
      if (c) changes.push(c);
      problems.push(...(this.duplicates.get(key) ?? []));
    }
    if (changes.length > 0) this.listed = undefined;
    // Report changes in creation order (removals last), so logs read like the files.
    const order = (c: ObjectChange) => this.effective.get(`${c.kind}/${c.namespace}/${c.name}`)?.created ?? Number.MAX_SAFE_INTEGER;
    changes.sort((a, b) => order(a) - order(b));
    return { changes, changed: new Set(changes.map((c) => c.kind)), problems: problems.sort(byFileAndLine) };
  }

  private readSource(content: SourceContent, old: Source | undefined): Source {
    const good = new Map<string, Candidate>();
    const problems: StoreProblem[] = [];
    const since = (key: string) => old?.good.get(key)?.since ?? ++this.seq;
    for (const o of content.objects) {
      if (!o.valid) continue;
      const key = keyOf(o.raw);
      const first = good.get(key);
      if (first) {
        problems.push({
          severity: 'warning', file: o.raw.origin.file, line: o.raw.origin.line, object: objectRef(o.raw), field: '',
          message: `defined twice in this file; the first definition (line ${first.obj.raw.origin.line}) is used and this one is ignored`,
        });
        continue;
      }
      good.set(key, { obj: o, since: since(key) });
    }
    for (const o of content.objects) {
      const ref = objectRef(o.raw);
      if (!o.valid) {
        const key = keyOf(o.raw);
        const prev = good.has(key) ? undefined : old?.good.get(key);
        if (prev) good.set(key, prev);
        const kept = prev ? { file: prev.obj.raw.origin.file, line: prev.obj.raw.origin.line } : undefined;
        for (const e of o.errors) {
          problems.push({ severity: 'error', file: o.raw.origin.file, line: e.line ?? o.raw.origin.line, object: ref, field: e.field, message: e.message, ...(kept ? { kept } : {}) });
        }
      }
      for (const w of o.warnings) {
        problems.push({ severity: 'warning', file: o.raw.origin.file, line: w.line ?? o.raw.origin.line, object: ref, field: w.field, message: w.message });
      }
    }
    if (content.failures.length > 0 && old) {
      // Documents that did not parse may be any of the objects this source defined: keep them all.
      for (const [key, cand] of old.good) if (!good.has(key)) good.set(key, cand);
    }
    for (const f of content.failures) {
      problems.push({ severity: 'error', file: f.file, line: f.line, ...(f.object ? { object: f.object } : {}), field: f.field, message: f.message });
    }
    for (const s of content.skipped ?? []) {
      problems.push({ severity: 'warning', file: s.file, line: s.line, object: `${s.kind} ${s.namespace ? s.namespace + '/' : ''}${s.name}`, field: '', message: `skipped: ${s.reason}` });
    }
    return { good, problems: problems.sort(byFileAndLine) };
  }

  private setSource(name: string, next: Source | undefined, old: Source | undefined): void {
    for (const k of old?.good.keys() ?? []) this.holders.get(k)?.delete(name);
    if (!next) {
      this.sources.delete(name);
      return;
    }
    this.sources.set(name, next);
    for (const k of next.good.keys()) {
      let h = this.holders.get(k);
      if (!h) this.holders.set(k, (h = new Set()));
      h.add(name);
    }
  }

  /** Re-decides which definition of `key` is in effect; returns the change, if any. */
  private resolve(key: string): ObjectChange | undefined {
    const cur = this.effective.get(key);
    const holders = [...(this.holders.get(key) ?? [])];
    if (holders.length === 0) this.holders.delete(key);
    const cand = (s: string) => this.sources.get(s)!.good.get(key)!;
    let winner: string | undefined;
    if (cur && holders.includes(cur.source)) winner = cur.source;
    else {
      for (const s of holders) {
        if (winner === undefined || cand(s).since < cand(winner).since || (cand(s).since === cand(winner).since && s < winner)) winner = s;
      }
    }
    this.duplicates.delete(key);
    if (winner === undefined) {
      if (!cur) return undefined;
      this.effective.delete(key);
      this.listed = undefined;
      return change('removed', cur.obj.raw);
    }
    const obj = cand(winner).obj;
    const inEffect = obj.raw.origin;
    const dups = holders.filter((s) => s !== winner).map((s): StoreProblem => {
      const o = cand(s).obj.raw;
      return {
        severity: 'warning', file: o.origin.file, line: o.origin.line, object: objectRef(o), field: '',
        message: `already defined at ${inEffect.file}:${inEffect.line}, which stays in effect; this definition is ignored (kind, namespace and name must be unique)`,
      };
    });
    if (dups.length > 0) this.duplicates.set(key, dups);
    if (!cur) {
      this.effective.set(key, { obj, source: winner, created: ++this.seq });
      return change('added', obj.raw);
    }
    const same = sameContent(cur.obj, obj);
    if (cur.obj !== obj) this.listed = undefined;
    this.effective.set(key, { obj, source: winner, created: cur.created });
    return same ? undefined : change('updated', obj.raw);
  }
}
