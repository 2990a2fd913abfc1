/**
 * What a container runs as a local process. `command` (plus `args`) runs as a real program, as
 * Kubernetes runs it (command replaces the image's entrypoint); otherwise an image Trellis knows
 * (by the last path segment before the tag: `registry.example.com/x/demoapp:v1.1` is `demoapp`
 * version `v1.1`) runs the built-in app `trellis app NAME --listen HOST:PORT --version TAG
 * --pod-name POD --pod-ip IP`. An unknown image without a command is a problem naming the file,
 * line, object and field, and saying how to fix it; the caller runs the rest of the mesh.
 * Pure: resolution only, nothing is started here.
 */
import type { Container } from '../api/kubernetes.js';
import { BUILTIN_APPS, builtinImage, defaultPort, type BuiltinAppName } from './apps/index.js';

export type ContainerProgram =
  | { kind: 'builtin'; app: BuiltinAppName; version: string }
  | { kind: 'command'; command: string; args: string[] };

export interface ContainerResolution {
  program?: ContainerProgram;
  /** The port the app listens on: the container's first port, or the built-in app's default (0: none). */
  port?: number;
  /** Why it cannot run (`field: message`), when `program` is absent. */
  problem?: { field: string; message: string };
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map((x) => String(x)) : undefined;
}

/** The first declared container port, if any. */
export function firstContainerPort(c: Container): number | undefined {
  for (const p of c.ports ?? []) if (typeof p?.containerPort === 'number' && p.containerPort > 0) return p.containerPort;
  return undefined;
}

/** `field` is the container's path, e.g. `spec.template.spec.containers[0]`. */
export function resolveContainer(c: Container, field: string): ContainerResolution {
  const command = strings(c.command);
  const args = strings(c.args) ?? [];
  const declared = firstContainerPort(c);
  if (command && command.length > 0) {
    return { program: { kind: 'command', command: command[0]!, args: [...command.slice(1), ...args] }, ...(declared ? { port: declared } : {}) };
  }
  const image = typeof c.image === 'string' ? c.image : '';
  const known = image ? builtinImage(image) : undefined;
  if (known) {
    const port = declared ?? defaultPort(known.app);
    return { program: { kind: 'builtin', app: known.app, version: known.version }, ...(port ? { port } : {}) };
  }
  const what = image ? `${JSON.stringify(image)} is not a built-in app` : 'no image and no command';
  return {
    problem: {
      field: image ? `${field}.image` : field,
      message: `${what} (${BUILTIN_APPS.join(', ')}); give the container a command`,
    },
  };
}
