/**
 * The validation context: collects errors and warnings against field paths for one object.
 *
 * Validators (schema and per-kind rules) call `error`/`warn` with a path from the object root;
 * the caller turns paths into `spec.http[0].route[1].weight` and line numbers. No I/O.
 */
export type Seg = string | number;
export type Path = readonly Seg[];

export interface RawProblem {
  severity: 'error' | 'warning';
  path: Path;
  message: string;
}

export class Ctx {
  readonly problems: RawProblem[] = [];
  /** Namespace of the object under validation (short hosts resolve against it). */
  readonly namespace: string;
  readonly name: string;

  constructor(namespace: string, name: string) {
    this.namespace = namespace;
    this.name = name;
  }

  error(path: Path, message: string): void {
    this.problems.push({ severity: 'error', path, message });
  }

  warn(path: Path, message: string): void {
    this.problems.push({ severity: 'warning', path, message });
  }

  get errorCount(): number {
    let n = 0;
    for (const p of this.problems) if (p.severity === 'error') n++;
    return n;
  }
}
