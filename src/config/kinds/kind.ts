/**
 * The contract each kind's validator implements (one file per kind in this folder).
 *
 * `schema` describes `spec` field by field; `validate` applies the kind's semantic rules and is
 * called only when `spec` passed the schema check, so it can read the typed spec directly.
 */
import type { RawObject } from '../../api/resource.js';
import type { Ctx } from '../ctx.js';
import type { Schema } from '../schema.js';

export interface KindValidator<Spec = unknown> {
  kind: string;
  /** Schema of `spec` (for Namespace, of the whole object minus the envelope). */
  schema: Schema;
  /** Semantic rules; paths are relative to the object root, so start them with 'spec'. */
  validate(spec: Spec, ctx: Ctx, obj: RawObject): void;
  /** Optional: rules about metadata specific to this kind (e.g. Gateway names are DNS labels). */
  validateMeta?(ctx: Ctx, obj: RawObject): void;
}
