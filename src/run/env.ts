/**
 * The environment of a container run as a local process: this process's environment (PATH,
 * HOME…, without proxy settings), then the container's `env` (`value`, or `valueFrom.fieldRef`
 * for `metadata.name`, `metadata.namespace` and `status.podIP`; anything else is reported and
 * left unset), then what the runner sets: `PORT` (unless the container sets it), `HOST` (the
 * app's address), `POD_NAME`, `POD_IP`, `POD_NAMESPACE`, and with a sidecar `HTTP_PROXY`,
 * `http_proxy`, `HTTPS_PROXY`, `https_proxy` = `http://POD_IP:15001` (the sidecar's explicit
 * outbound proxy) with `NO_PROXY`/`no_proxy` naming the app's own address. Pure.
 */
import type { Container } from '../api/kubernetes.js';
import { PROXY_VARS, sidecarProxyEnv } from '../cli/exec.js';

export interface PodIdentity {
  name: string;
  namespace: string;
  ip: string;
}

export interface EnvInput {
  container: Container;
  /** Field path of the container, for messages (`spec.template.spec.containers[0]`). */
  field: string;
  pod: PodIdentity;
  /** Where the app listens. */
  appHost: string;
  /** The app's port (first container port, or the built-in app's default), if any. */
  port?: number;
  sidecar: boolean;
  /** The runner's own environment (default: process.env). */
  base?: Readonly<Record<string, string | undefined>>;
}

export interface EnvWarning {
  field: string;
  message: string;
}

export interface EnvResult {
  env: Record<string, string>;
  warnings: EnvWarning[];
}

/** The runner's own variables (parent-watch) are set per process by the spawner, not inherited. */
const INTERNAL = /^TRELLIS_/;

const FIELD_REFS: Record<string, (p: PodIdentity) => string> = {
  'metadata.name': (p) => p.name,
  'metadata.namespace': (p) => p.namespace,
  'status.podIP': (p) => p.ip,
};

function fieldRefValue(valueFrom: unknown, pod: PodIdentity): string | undefined {
  const ref = (valueFrom as { fieldRef?: { fieldPath?: unknown } } | undefined)?.fieldRef;
  const path = typeof ref?.fieldPath === 'string' ? ref.fieldPath : undefined;
  return path !== undefined ? FIELD_REFS[path]?.(pod) : undefined;
}

/** The runner's environment as every child inherits it: without proxy settings and TRELLIS_*. */
export function inheritedEnv(base: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !PROXY_VARS.includes(k) && !INTERNAL.test(k)) env[k] = v;
  }
  return env;
}

export function containerEnv(input: EnvInput): EnvResult {
  const env = inheritedEnv(input.base);
  const warnings: EnvWarning[] = [];
  const own = new Set<string>();
  (input.container.env ?? []).forEach((e, i) => {
    const field = `${input.field}.env[${i}]`;
    if (!e || typeof e.name !== 'string' || e.name === '') return;
    if (typeof e.value === 'string' || typeof e.value === 'number' || typeof e.value === 'boolean') {
      env[e.name] = String(e.value);
      own.add(e.name);
    } else if (e.valueFrom !== undefined) {
      const v = fieldRefValue(e.valueFrom, input.pod);
      if (v === undefined) {
        warnings.push({ field: `${field}.valueFrom`, message: `${e.name} is left unset: only fieldRef with fieldPath ${Object.keys(FIELD_REFS).join(', ')} is supported when running locally` });
      } else {
        env[e.name] = v;
        own.add(e.name);
      }
    } else {
      env[e.name] = '';
      own.add(e.name);
    }
  });
  if (input.port !== undefined && !own.has('PORT')) env['PORT'] = String(input.port);
  env['HOST'] = input.appHost;
  env['POD_NAME'] = input.pod.name;
  env['POD_NAMESPACE'] = input.pod.namespace;
  env['POD_IP'] = input.pod.ip;
  if (input.sidecar) {
    Object.assign(env, sidecarProxyEnv(input.pod.ip));
    env['NO_PROXY'] = env['no_proxy'] = `localhost,${input.appHost}`;
  }
  return { env, warnings };
}
