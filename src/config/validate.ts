/**
 * Validates one parsed object as Istio's admission webhook would: the envelope (apiVersion,
 * metadata), then the kind's schema, then the kind's semantic rules. Errors reject the object;
 * warnings accept it. Never throws: an unexpected failure inside a rule is reported as an error
 * on the object rather than escaping.
 */
import type { Problem } from '../common/errors.js';
import { API_VERSIONS, formatPath, type Kind, type RawObject } from '../api/resource.js';
import { Ctx } from './ctx.js';
import { checkSchema } from './schema.js';
import { KIND_VALIDATORS } from './kinds/index.js';
import { isDns1123Label, isDns1123Subdomain, labelKeyError, labelValueError } from './rules.js';

export interface ValidatedObject {
  raw: RawObject;
  valid: boolean;
  errors: Problem[];
  warnings: Problem[];
}

const ISTIO_GROUP_PREFIX = 'networking.istio.io/';
const FORBIDDEN_ANNOTATIONS: Record<string, string> = {
  'istio.io/dry-run': 'the istio.io/dry-run annotation is only supported on AuthorizationPolicy; remove it',
  'internal.istio.io/parents': 'internal.istio.io/parents is an internal annotation set by Istio; remove it',
  'internal.istio.io/parent-namespace': 'internal.istio.io/parent-namespace is an internal annotation set by Istio; remove it',
  'internal.istio.io/webhook-always-reject': 'internal.istio.io/webhook-always-reject makes the webhook reject this object',
};

function checkEnvelope(obj: RawObject, ctx: Ctx): void {
  const kind = obj.kind as Kind;
  const versions = API_VERSIONS[kind];
  if (!obj.apiVersion) {
    ctx.error(['apiVersion'], `apiVersion is required; for ${kind} use ${versions.join(' or ')}`);
  } else if (!versions.includes(obj.apiVersion)) {
    ctx.error(['apiVersion'], `${kind} is not served at ${JSON.stringify(obj.apiVersion)}; use ${versions.join(' or ')}`);
  }
  const md = obj.body.metadata;
  if (md === undefined || md === null || typeof md !== 'object' || Array.isArray(md)) {
    ctx.error(['metadata'], 'metadata is required, with at least a name');
    return;
  }
  const m = md as Record<string, unknown>;
  if (typeof m.name !== 'string' || m.name === '') {
    if (typeof m.generateName !== 'string') ctx.error(['metadata', 'name'], 'metadata.name is required');
  } else if (!isDns1123Subdomain(m.name)) {
    ctx.error(['metadata', 'name'], `invalid name ${JSON.stringify(m.name)}: a name is a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`);
  }
  if (m.namespace !== undefined && (typeof m.namespace !== 'string' || !isDns1123Label(m.namespace))) {
    ctx.error(['metadata', 'namespace'], `invalid namespace ${JSON.stringify(m.namespace)}: a namespace is a DNS-1123 label`);
  }
  for (const field of ['labels', 'annotations'] as const) {
    const v = m[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) {
      ctx.error(['metadata', field], `metadata.${field} must be a mapping of strings`);
      continue;
    }
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') {
        ctx.error(['metadata', field, k], `must be a string, got ${val === null ? 'null' : typeof val}; quote values such as "true" or "1"`);
        continue;
      }
      if (field === 'labels') {
        const e = labelKeyError(k) ?? labelValueError(val);
        if (e) ctx.error(['metadata', field, k], e);
      } else if (obj.apiVersion.startsWith(ISTIO_GROUP_PREFIX) && FORBIDDEN_ANNOTATIONS[k]) {
        ctx.error(['metadata', field, k], FORBIDDEN_ANNOTATIONS[k]!);
      }
    }
  }
}

export function validateObject(obj: RawObject): ValidatedObject {
  const ctx = new Ctx(obj.metadata.namespace, obj.metadata.name);
  const v = KIND_VALIDATORS[obj.kind];
  try {
    checkEnvelope(obj, ctx);
    if (v) {
      v.validateMeta?.(ctx, obj);
      const isNamespace = obj.kind === 'Namespace';
      const spec = isNamespace ? obj.body : obj.body.spec;
      const specPath = isNamespace ? [] : ['spec'];
      if (!isNamespace && spec !== undefined && spec !== null && (typeof spec !== 'object' || Array.isArray(spec))) {
        ctx.error(['spec'], 'spec must be a mapping');
      } else if (checkSchema(v.schema, spec ?? {}, specPath, ctx)) {
        v.validate(spec ?? {}, ctx, obj);
      }
    }
  } catch (e) {
    ctx.error([], `internal error while validating (please report): ${(e as Error).message}`);
  }
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  for (const p of ctx.problems) {
    const problem: Problem = { severity: p.severity, field: formatPath(p.path), message: p.message, line: obj.lineOf(p.path) };
    (p.severity === 'error' ? errors : warnings).push(problem);
  }
  const byLine = (a: Problem, b: Problem) => (a.line ?? 0) - (b.line ?? 0);
  errors.sort(byLine);
  warnings.sort(byLine);
  return { raw: obj, valid: errors.length === 0, errors, warnings };
}
