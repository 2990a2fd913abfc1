/**
 * Kubernetes `apps/v1` Deployment: the workloads `trellis up` runs locally. Checks what Trellis
 * reads, as the API server would: replicas, the selector and that it matches the template's
 * labels, the template's labels and annotations, and its containers (name, image, command,
 * args, env, ports). Other fields are accepted unchecked.
 */
import type { KindValidator } from './kind.js';
import { any, enumOf, int32, openObj } from '../schema.js';
import { checkLabels } from '../rules.js';
import type { DeploymentSpec } from '../../api/kubernetes.js';
import { checkAnnotations, checkLabelSelector, checkPodSpec, labelSelectorSchema, podTemplateSchema } from './kube-rules.js';

export const kubeDeployment: KindValidator<DeploymentSpec> = {
  kind: 'Deployment',
  schema: openObj({
    replicas: int32(),
    selector: labelSelectorSchema,
    template: podTemplateSchema,
    strategy: openObj({ type: enumOf('RollingUpdate', 'Recreate'), rollingUpdate: any() }),
    minReadySeconds: int32(),
    revisionHistoryLimit: int32(),
    progressDeadlineSeconds: int32(),
  }),
  validate(spec, ctx, obj) {
    if (obj.body.spec === undefined || obj.body.spec === null) {
      ctx.error(['spec'], 'spec is required, with selector, template and (optionally) replicas');
      return;
    }
    if (typeof spec.replicas === 'number' && spec.replicas < 0) {
      ctx.error(['spec', 'replicas'], `replicas must be zero or more, got ${spec.replicas}`);
    }
    const tmplLabels = spec.template?.metadata?.labels ?? {};
    if (spec.template?.metadata) {
      checkLabels(ctx, ['spec', 'template', 'metadata', 'labels'], spec.template.metadata.labels);
      checkAnnotations(ctx, ['spec', 'template', 'metadata', 'annotations'], spec.template.metadata.annotations);
    }
    if (!spec.selector) {
      ctx.error(['spec', 'selector'], 'selector is required, e.g. {matchLabels: {app: reviews}} matching the template labels');
    } else {
      const before = ctx.errorCount;
      const matches = checkLabelSelector(ctx, ['spec', 'selector'], spec.selector);
      if (ctx.errorCount === before && !matches) {
        ctx.error(['spec', 'selector'], 'empty selector is invalid for a Deployment; give matchLabels matching the template labels');
      } else if (matches && !matches(tmplLabels)) {
        ctx.error(['spec', 'template', 'metadata', 'labels'], '`selector` does not match template `labels`; the template labels must include every spec.selector.matchLabels entry');
      }
    }
    if (!spec.template) {
      ctx.error(['spec', 'template'], 'template is required: the pod template (metadata.labels and spec.containers)');
    } else {
      checkPodSpec(ctx, ['spec', 'template', 'spec'], spec.template.spec, true);
    }
  },
};
