/**
 * Typed errors with stable codes, and the shape of a problem found in user input.
 *
 * A `Problem` is what validation and analysis report about a user's config: it always names the
 * field path (`spec.http[0].route[1].weight`) and says what would be valid. A `TrellisError` is
 * thrown for failures of the program's own inputs (unreadable file, bad flag) and carries a code
 * that callers and tests can rely on. Nothing here does I/O.
 */

export type Severity = 'error' | 'warning';

export interface Problem {
  severity: Severity;
  /** Field path from the object's root, e.g. `spec.http[0].route[1].weight`. */
  field: string;
  message: string;
  /** 1-based line of the field in its file, when known. */
  line?: number;
}

export type ErrorCode =
  | 'E_USAGE'
  | 'E_READ'
  | 'E_PARSE'
  | 'E_INTERNAL';

export class TrellisError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'TrellisError';
  }
}
