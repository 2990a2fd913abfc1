/**
 * Kubernetes `v1` Pod: checks what Trellis reads, as the API server would: the containers
 * (name, image, command, args, env, ports). Metadata labels are checked with the envelope.
 * Other fields are accepted unchecked.
 */
import type { KindValidator } from './kind.js';
import type { PodSpec } from '../../api/kubernetes.js';
import { checkPodSpec, podSpecSchema } from './kube-rules.js';

export const kubePod: KindValidator<PodSpec> = {
  kind: 'Pod',
  schema: podSpecSchema,
  validate(spec, ctx, obj) {
    if (obj.body.spec === undefined || obj.body.spec === null) {
      ctx.error(['spec'], 'spec is required, with at least one container');
      return;
    }
    checkPodSpec(ctx, ['spec'], spec, false);
  },
};
