/**
 * The config store contract (DESIGN.md §3): where the control plane gets the validated objects it
 * serves, and how it hears that they changed. A store holds the accepted objects (each kind,
 * namespace and name once), the problems it currently rejects (for logs, `/metrics` and
 * debugging), and tells subscribers after every accepted change which kinds changed.
 *
 * A store never loses the last good config: an invalid edit of an object is rejected and the
 * previous accepted version of that object stays in effect. Implementations: `memory.ts` (set
 * and delete objects programmatically), `file-dir.ts` (a watched directory of YAML). This module
 * only describes; it does no I/O.
 */
import type { Severity } from '../../common/errors.js';
import { realClock, type Clock } from '../../common/clock.js';
import type { ValidatedObject } from '../validate.js';

/** Timers the store waits on, injectable so that tests drive debouncing with a fake clock. */
export type StoreClock = Clock;
export { realClock };

/**
 * Something in the input the store did not accept as is: an invalid object, a document that does
 * not parse, a duplicate definition, a kind Trellis does not handle, an unreadable file.
 */
export interface StoreProblem {
  severity: Severity;
  file: string;
  /** 1-based line of the field (or of the document) in `file`; 0 when the whole file is meant. */
  line: number;
  /** `Kind namespace/name` when the object could be identified. */
  object?: string;
  /** Field path such as `spec.http[0].route[1].weight`; '' for the whole object or document. */
  field: string;
  message: string;
  /** For a rejected object: the last accepted version of it, which stays in effect instead. */
  kept?: { file: string; line: number };
}

export type ChangeOp = 'added' | 'updated' | 'removed';

/** One accepted change of the store's content. */
export interface ObjectChange {
  op: ChangeOp;
  kind: string;
  namespace: string;
  name: string;
  /** Where the object now in effect comes from (for `removed`: where the removed one came from). */
  file: string;
  line: number;
}

/** What a subscriber hears after the store processed new input. */
export interface StoreEvent {
  /** Kinds of the objects added, updated or removed; empty when the input changed nothing accepted. */
  changed: ReadonlySet<string>;
  /** The objects added, updated or removed, in the store's order. */
  changes: readonly ObjectChange[];
  /** The accepted objects after the change (same as `list()`). */
  objects: readonly ValidatedObject[];
  /** Problems found in the input processed now (rejections and warnings), by file and line. */
  problems: readonly StoreProblem[];
  /** The sources (files) whose content was processed, changed or not. */
  sources: readonly string[];
}

export type StoreListener = (event: StoreEvent) => void;

export interface ConfigStore {
  /** Loads the initial content; afterwards `list()` is meaningful and changes are watched. */
  start(): Promise<void>;
  /** Stops watching and releases timers; `list()` keeps answering with the last content. */
  close(): Promise<void>;
  /**
   * The accepted objects, each `kind/namespace/name` once, in creation order (the order they were
   * first accepted stands in for Kubernetes' creationTimestamp, which Istio uses for precedence).
   */
  list(): readonly ValidatedObject[];
  /** Every problem currently standing (rejected objects and documents, warnings), by file and line. */
  problems(): readonly StoreProblem[];
  /** Calls `fn` after each processed change; returns the unsubscribe function. */
  subscribe(fn: StoreListener): () => void;
}
