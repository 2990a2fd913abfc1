/**
 * Kubernetes API-server rules for the parts of workloads Trellis reads, shared by Deployment and
 * Pod (and the Service's targetPort names): pod templates, containers, container ports, env,
 * label selectors, IANA service names. Only the fields Trellis uses are checked; the schemas are
 * open so the rest of a Kubernetes object is accepted as the API server would. Never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import { any, arr, enumOf, int32, map, openObj, str, type Schema } from '../schema.js';
import { checkLabels, isDns1123Label, isValidPort, labelKeyError } from '../rules.js';
import type { Container, LabelSelector, PodSpec } from '../../api/kubernetes.js';

export const KUBE_PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Kubernetes IsValidPortName: ≤15 chars, lowercase alphanumerics and '-', a letter, no '--'. */
export function ianaSvcNameError(name: string): string | undefined {
  if (name.length === 0 || name.length > 15 || !IANA_SVC_NAME.test(name) || name.includes('--') || !/[a-z]/.test(name)) {
    return `invalid port name ${JSON.stringify(name)}: must be an IANA service name (at most 15 lowercase letters, digits and '-', with at least one letter, no leading, trailing or double '-')`;
  }
  return undefined;
}

const has = (v: unknown): boolean => v !== undefined && v !== null;

const containerPortSchema = openObj({
  name: str(), containerPort: int32(), hostPort: int32(), hostIP: str(), protocol: enumOf(...KUBE_PROTOCOLS),
});
const envSchema = openObj({ name: str(), value: str(), valueFrom: any() });
const containerSchema = openObj({
  name: str(), image: str(), command: arr(str()), args: arr(str()), workingDir: str(),
  env: arr(envSchema), ports: arr(containerPortSchema),
  imagePullPolicy: enumOf('Always', 'IfNotPresent', 'Never'),
});

export const podSpecSchema: Schema = openObj({
  containers: arr(containerSchema),
  initContainers: arr(containerSchema),
  restartPolicy: enumOf('Always', 'OnFailure', 'Never'),
  serviceAccountName: str(),
  hostNetwork: any(),
});

export const labelSelectorSchema: Schema = openObj({
  matchLabels: map(str()),
  matchExpressions: arr(openObj({ key: str(), operator: enumOf('In', 'NotIn', 'Exists', 'DoesNotExist'), values: arr(str()) })),
});

export const podTemplateSchema: Schema = openObj({
  metadata: openObj({ labels: map(str()), annotations: map(str()), name: str() }),
  spec: podSpecSchema,
});

function checkEnv(ctx: Ctx, path: Path, env: Container['env']): void {
  (env ?? []).forEach((e, i) => {
    const p = [...path, i];
    if (!e) return ctx.error(p, 'env entry must not be null; give {name, value}');
    const name = e.name ?? '';
    if (name === '') ctx.error([...p, 'name'], 'env var name is required');
    // Kubernetes (RelaxedEnvironmentVariableValidation): printable ASCII, no '='.
    else if (!/^[\x20-\x7e]+$/.test(name) || name.includes('=')) {
      ctx.error([...p, 'name'], `invalid env var name ${JSON.stringify(name)}: use printable ASCII characters other than '=', e.g. "MY_VAR"`);
    }
    if (typeof e.value === 'string' && e.value !== '' && has(e.valueFrom)) {
      ctx.error([...p, 'valueFrom'], 'valueFrom may not be specified when value is not empty; set one of them');
    }
  });
}

function checkContainerPorts(ctx: Ctx, path: Path, ports: Container['ports']): void {
  const names = new Set<string>();
  (ports ?? []).forEach((cp, i) => {
    const p = [...path, i];
    if (!cp) return ctx.error(p, 'port must not be null; give {containerPort, name, protocol}');
    if (!has(cp.containerPort)) ctx.error([...p, 'containerPort'], 'containerPort is required (1..65535)');
    else if (!isValidPort(cp.containerPort)) ctx.error([...p, 'containerPort'], `containerPort ${cp.containerPort} must be in the range 1..65535`);
    if (has(cp.hostPort) && cp.hostPort !== 0 && !isValidPort(cp.hostPort)) {
      ctx.error([...p, 'hostPort'], `hostPort ${cp.hostPort} must be in the range 1..65535 (or 0 for none)`);
    }
    if (typeof cp.name === 'string' && cp.name !== '') {
      const e = ianaSvcNameError(cp.name);
      if (e) ctx.error([...p, 'name'], e);
      if (names.has(cp.name)) ctx.error([...p, 'name'], `duplicate port name ${JSON.stringify(cp.name)}; port names must be unique within a container`);
      names.add(cp.name);
    }
  });
}

function checkContainer(ctx: Ctx, path: Path, c: Container, names: Set<string>, template: boolean): void {
  const name = c.name ?? '';
  if (name === '') ctx.error([...path, 'name'], 'container name is required (a DNS-1123 label such as "app")');
  else if (!isDns1123Label(name)) {
    ctx.error([...path, 'name'], `invalid container name ${JSON.stringify(name)}: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit)`);
  } else if (names.has(name)) {
    ctx.error([...path, 'name'], `duplicate container name ${JSON.stringify(name)}; container names must be unique in a pod`);
  }
  names.add(name);
  if (!c.image) ctx.error([...path, 'image'], 'image is required, e.g. "docker.io/istio/examples-bookinfo-ratings-v1:1.20.3"');
  // Like Kubernetes, whitespace is tolerated in pod templates (some tools use " " as a placeholder).
  else if (!template && c.image !== c.image.trim()) ctx.error([...path, 'image'], 'image must not have leading or trailing whitespace');
  checkEnv(ctx, [...path, 'env'], c.env);
  checkContainerPorts(ctx, [...path, 'ports'], c.ports);
}

/** A pod spec at `path`; `template` says it belongs to a Deployment (restartPolicy Always only). */
export function checkPodSpec(ctx: Ctx, path: Path, spec: PodSpec | undefined, template: boolean): void {
  if (!spec) {
    ctx.error(path, 'a pod spec with at least one container is required');
    return;
  }
  const names = new Set<string>();
  const containers = spec.containers ?? [];
  if (containers.length === 0) ctx.error([...path, 'containers'], 'at least one container is required, each with a name and an image');
  containers.forEach((c, i) => {
    if (!c) ctx.error([...path, 'containers', i], 'container must not be null; give {name, image}');
    else checkContainer(ctx, [...path, 'containers', i], c, names, template);
  });
  (spec.initContainers ?? []).forEach((c, i) => {
    if (c) checkContainer(ctx, [...path, 'initContainers', i], c, names, template);
  });
  if (template && has(spec.restartPolicy) && spec.restartPolicy !== 'Always') {
    ctx.error([...path, 'restartPolicy'], `unsupported value ${JSON.stringify(spec.restartPolicy)}: a Deployment's pods must use restartPolicy Always`);
  }
}

/** Annotation keys are qualified names like label keys; values are free text. */
export function checkAnnotations(ctx: Ctx, path: Path, annotations: unknown): void {
  if (!annotations || typeof annotations !== 'object') return;
  for (const k of Object.keys(annotations)) {
    const e = labelKeyError(k);
    if (e) ctx.error([...path, k], e.replace('label key', 'annotation key'));
  }
}

/** A metav1.LabelSelector; returns a predicate on label maps (undefined when invalid or empty). */
export function checkLabelSelector(ctx: Ctx, path: Path, sel: LabelSelector): ((labels: Record<string, string>) => boolean) | undefined {
  const before = ctx.errorCount;
  checkLabels(ctx, [...path, 'matchLabels'], sel.matchLabels);
  const exprs = sel.matchExpressions ?? [];
  exprs.forEach((r, i) => {
    const p = [...path, 'matchExpressions', i];
    if (!r) return ctx.error(p, 'requirement must not be null; give {key, operator, values}');
    const ke = labelKeyError(r.key ?? '');
    if (ke) ctx.error([...p, 'key'], ke);
    if (!r.operator) ctx.error([...p, 'operator'], 'operator is required; valid values are: In, NotIn, Exists, DoesNotExist');
    const n = (r.values ?? []).length;
    if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) {
      ctx.error([...p, 'values'], `values must be non-empty when operator is ${r.operator}`);
    } else if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) {
      ctx.error([...p, 'values'], `values must be empty when operator is ${r.operator}`);
    }
  });
  if (ctx.errorCount !== before) return undefined;
  const ml = Object.entries(sel.matchLabels ?? {});
  if (ml.length === 0 && exprs.length === 0) return undefined;
  return (labels) =>
    ml.every(([k, v]) => labels[k] === v) &&
    exprs.every((r) => {
      const present = Object.prototype.hasOwnProperty.call(labels, r.key ?? '');
      const val = labels[r.key ?? ''];
      switch (r.operator) {
        case 'In': return present && (r.values ?? []).includes(val!);
        case 'NotIn': return !present || !(r.values ?? []).includes(val!);
        case 'Exists': return present;
        case 'DoesNotExist': return !present;
        default: return false;
      }
    });
}
