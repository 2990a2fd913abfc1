/**
 * Turns validated raw objects into the model's ConfigObjects (identity, labels, annotations,
 * typed spec, origin). Data conversion only; nothing here interprets a spec.
 */
import type { RawObject } from '../api/resource.js';
import { configRef, specOf } from '../registry/objects.js';
import type { ConfigObject } from './types.js';

export function toConfigObject<Spec>(o: RawObject): ConfigObject<Spec> {
  return {
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    labels: { ...o.metadata.labels },
    annotations: { ...o.metadata.annotations },
    spec: specOf<Spec>(o),
    origin: configRef(o),
  };
}

export function configsOfKind<Spec>(objects: readonly RawObject[], kind: string): ConfigObject<Spec>[] {
  return objects.filter((o) => o.kind === kind).map((o) => toConfigObject<Spec>(o));
}
