/**
 * Records what a generator reads of a Proxy, so that its output can be shared with every other
 * proxy that would read the same values. `ReadRecorder.view(proxy)` is a read-only stand-in (an
 * ES Proxy, recursively over nested objects such as `labels`) that logs each distinct read: a
 * property value (`get`), a key test (`has`), a key list (`ownKeys`: spread, Object.keys,
 * JSON.stringify) or a property descriptor. Since a generator is a pure function of its inputs,
 * it follows the same path and returns the same output for any proxy that gives the same answers
 * to the same reads, in order; `evaluate` gives those answers for another proxy, as one string.
 *
 * A snapshot method that takes the proxy (snapshot-deps.ts) can be logged as one `call` read
 * instead, answered by a fingerprint of its result, when what it reads of the proxy is more than
 * its result depends on (the model memoizes scopes by namespace and every label).
 *
 * A read the log cannot replay (a symbol key) or an attempt to write through the view marks the
 * recording unusable (`shareable` false): the output is then used for that proxy only. Writes
 * still go through, so behaviour is the same as without the view. After `stop()` the view keeps
 * answering but records nothing. No I/O, no state beyond one recording.
 */

/** One distinct read: the path of property names from the root, the operation, its answer. */
export interface Read {
  /** Property names from the proxy to the object read. */
  readonly path: readonly string[];
  readonly op: 'get' | 'has' | 'keys' | 'desc' | 'call';
  /** Property name for get, has and desc ('' for keys); the snapshot method for call. */
  readonly key: string;
}

/** The answer of a `call` read for a proxy: a fingerprint of `snapshot[key](proxy)` (snapshot-deps.ts). */
export type CallAnswer = (key: string, proxy: object) => string;

/** A value as a comparable string: type and, for primitives, the value. */
function repr(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return `s${v.length}:${v}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${(typeof v)[0]}${String(v)}`;
    case 'undefined':
      return 'u';
    case 'function':
      return 'f';
    case 'symbol':
      return 'y';
    default:
      return v === null ? 'n' : Array.isArray(v) ? 'a' : 'o';
  }
}

function answer(target: object, op: Exclude<Read['op'], 'call'>, key: string): string {
  switch (op) {
    case 'get':
      return repr(Reflect.get(target, key));
    case 'has':
      return Reflect.has(target, key) ? 'T' : 'F';
    case 'keys':
      return Reflect.ownKeys(target).map((k) => (typeof k === 'symbol' ? '@@' : `${k.length}:${k}`)).join(',');
    case 'desc': {
      const d = Reflect.getOwnPropertyDescriptor(target, key);
      if (!d) return '-';
      return `${d.enumerable ? 'e' : ''}${d.writable ? 'w' : ''}${d.configurable ? 'c' : ''}${d.get || d.set ? 'A' : repr(d.value)}`;
    }
  }
}

/** The answers of `reads` for `root`, in order, as one string; undefined when a path is broken. */
export function evaluate(root: object, reads: readonly Read[], call?: CallAnswer): string | undefined {
  const parts: string[] = [];
  for (const r of reads) {
    if (r.op === 'call') {
      if (!call) return undefined;
      parts.push(call(r.key, root));
      continue;
    }
    let o: unknown = root;
    for (const k of r.path) {
      if (o === null || typeof o !== 'object') return undefined;
      o = (o as Record<string, unknown>)[k];
    }
    if (o === null || typeof o !== 'object') return undefined;
    parts.push(answer(o, r.op, r.key));
  }
  return parts.join('\u0000');
}

export class ReadRecorder {
  /** Distinct reads in first-read order. */
  readonly reads: Read[] = [];
  /** Answers of `reads` as recorded (what `evaluate` returns for the recorded proxy). */
  private readonly answers: string[] = [];
  private readonly seen = new Set<string>();
  private readonly views = new WeakMap<object, object>();
  private readonly raws = new WeakMap<object, object>();
  private active = true;
  private unreplayable = false;

  /** Whether every read can be replayed on another proxy (no symbol keys, no writes). */
  get shareable(): boolean {
    return !this.unreplayable;
  }

  /** The key of this recording: equals `evaluate(other, reads)` for proxies that share output. */
  get key(): string {
    return this.answers.join('\u0000');
  }

  view<T extends object>(root: T): T {
    return this.wrap(root, []) as T;
  }

  stop(): void {
    this.active = false;
  }

  /** A snapshot method called with the proxy, standing for the reads it made: its answer. */
  noteCall(key: string, result: string): void {
    if (!this.active) return;
    const id = `|call|${key}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.reads.push({ path: [], op: 'call', key });
    this.answers.push(result);
  }

  /** The raw object behind a view of this recording (or undefined). */
  unwrap(view: unknown): object | undefined {
    return typeof view === 'object' && view !== null ? this.raws.get(view) : undefined;
  }

  /** `seen`: the reads of this object already logged (one set per object viewed). */
  private note(target: object, path: readonly string[], seen: Set<string>, op: Exclude<Read['op'], 'call'>, key: string | symbol): void {
    if (!this.active) return;
    if (typeof key === 'symbol') {
      this.unreplayable = true;
      return;
    }
    const id = op + key;
    if (seen.has(id)) return;
    seen.add(id);
    this.reads.push({ path, op, key });
    this.answers.push(answer(target, op, key));
  }

  private wrap(target: object, path: readonly string[]): object {
    const known = this.views.get(target);
    if (known) return known;
    const seen = new Set<string>();
    const view = new Proxy(target, {
      get: (t, k) => {
        const v = Reflect.get(t, k);
        this.note(t, path, seen, 'get', k);
        if (v === null || typeof v !== 'object' || typeof k !== 'string') return v;
        const d = Reflect.getOwnPropertyDescriptor(t, k);
        if (d && !d.configurable && !d.writable) {
          // a frozen property must be returned as is (a Proxy invariant): its reads go unseen
          this.unreplayable = true;
          return v;
        }
        return this.wrap(v, [...path, k]);
      },
      has: (t, k) => {
        this.note(t, path, seen, 'has', k);
        return Reflect.has(t, k);
      },
      ownKeys: (t) => {
        this.note(t, path, seen, 'keys', '');
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor: (t, k) => {
        this.note(t, path, seen, 'desc', k);
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
      set: (t, k, v) => {
        this.unreplayable = true;
        return Reflect.set(t, k, v);
      },
      defineProperty: (t, k, d) => {
        this.unreplayable = true;
        return Reflect.defineProperty(t, k, d);
      },
      deleteProperty: (t, k) => {
        this.unreplayable = true;
        return Reflect.deleteProperty(t, k);
      },
      setPrototypeOf: (t, p) => {
        this.unreplayable = true;
        return Reflect.setPrototypeOf(t, p);
      },
    });
    this.views.set(target, view);
    this.raws.set(view, target);
    return view;
  }
}
