/**
 * The run plan of a local mesh: from the snapshot the control plane serves (its registry already
 * lists every Deployment replica as a workload `NAME-N` with its address from the address plan,
 * and the built-in gateways) and the objects it was built from (for the containers), which
 * processes run for each workload:
 * - a gateway (built-in, or a Deployment labelled `istio: …gateway`): `trellis proxy --type
 *   router` on its address;
 * - any other Deployment replica (and a Pod with a loopback address): a sidecar `trellis proxy
 *   --type sidecar --outbound explicit --app APP_ADDR` on the pod IP, unless the pod template
 *   says `sidecar.istio.io/inject: "false"`, plus one process per container (containers.ts),
 *   listening on the app address (addresses.ts; the pod IP itself without a sidecar).
 * Problems (an unknown image without a command, a pod address that is not local) are returned
 * as `file:line: error: Kind ns/name: field: message`; the rest of the workload still runs.
 * Pure: nothing is started here; each workload carries a hash of its plan so the runner can
 * tell what an edit changed.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Container, PodSpec } from '../api/kubernetes.js';
import { objectRef, type RawObject } from '../api/resource.js';
import type { PodInfo } from '../cli/state-file.js';
import type { Snapshot } from '../model/types.js';
import { isGatewayWorkload } from '../registry/gateways.js';
import type { Workload } from '../registry/types.js';
import { appAddressFor, isLoopback } from './addresses.js';
import { resolveContainer } from './containers.js';
import { containerEnv, inheritedEnv as baseEnv } from './env.js';

/** How to run the `trellis` command itself (this process's entry: node + execArgv + entry file). */
export interface TrellisLauncher {
  command: string;
  args: readonly string[];
}

export type RestartPolicy = 'always' | 'on-failure' | 'never';

export interface ProcessPlan {
  /** `istio-proxy` (Istio's container name) for the sidecar or gateway, else the container's name. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  /** The port the app listens on, when it has a listener. */
  port?: number;
  restart: RestartPolicy;
  /** Keep stdin open (a container with `stdin: true`, such as an interactive shell). */
  stdin: boolean;
}

export interface WorkloadPlan extends PodInfo {
  /** `namespace/pod`. */
  key: string;
  proxy?: ProcessPlan;
  apps: ProcessPlan[];
  /** `file:line: error: Kind ns/name: field: message` lines (what keeps it from running fully). */
  problems: string[];
  /** Same shape, for what runs anyway (an env variable left unset). */
  warnings: string[];
  /** Changes whenever anything about its processes changes. */
  hash: string;
}

export interface PlanInput {
  snapshot: Snapshot;
  /** The accepted objects the snapshot was built from. */
  objects: readonly RawObject[];
  /** The control plane's ADS address the proxies connect to. */
  xdsAddress: string;
  trellis: TrellisLauncher;
  /** The runner's environment (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

const INJECT = 'sidecar.istio.io/inject';

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

function proxyArgs(w: Workload, type: 'sidecar' | 'router', xds: string, app?: string): string[] {
  return [
    'proxy', '--xds', xds, '--type', type, '--ip', w.address, '--name', w.podName, '--namespace', w.namespace,
    ...(Object.keys(w.labels).length ? ['--labels', labelText(w.labels)] : []),
    '--service-account', w.serviceAccount || 'default', '--workload', w.name,
    // Outbound: the app's HTTP_PROXY. Inbound: the sidecar owns the pod IP (as under iptables).
    ...(type === 'sidecar' ? ['--outbound', 'explicit', '--interception-mode', 'REDIRECT', ...(app ? ['--app', app] : [])] : []),
  ];
}

function restartPolicy(o: RawObject | undefined): RestartPolicy {
  if (o?.kind !== 'Pod') return 'always';
  const p = (o.body.spec as PodSpec | undefined)?.restartPolicy;
  return p === 'Never' ? 'never' : p === 'OnFailure' ? 'on-failure' : 'always';
}

/** The pod spec of a Deployment or Pod object and the field path of its containers. */
function podSpecOf(o: RawObject): { spec: PodSpec | undefined; path: (string | number)[] } {
  const body = o.body.spec as { template?: { spec?: PodSpec } } & PodSpec | undefined;
  if (o.kind === 'Deployment') return { spec: body?.template?.spec, path: ['spec', 'template', 'spec', 'containers'] };
  return { spec: body, path: ['spec', 'containers'] };
}

function fieldText(path: readonly (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

function hashOf(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}

function planWorkload(w: Workload, o: RawObject | undefined, input: PlanInput): WorkloadPlan {
  const trellis = (args: string[]) => ({ command: input.trellis.command, args: [...input.trellis.args, ...args] });
  const gateway = isGatewayWorkload(w);
  const kind: WorkloadPlan['kind'] = gateway ? 'Gateway' : (w.kind as 'Deployment' | 'Pod');
  const problems: string[] = [];
  const warnings: string[] = [];
  const where = (field: string, line?: number) => `${w.origin.file}:${line ?? w.origin.line}: error: ${o ? objectRef(o) : `${w.origin.kind} ${w.namespace}/${w.name}`}: ${field}: `;
  const plan: Omit<WorkloadPlan, 'hash'> = {
    key: `${w.namespace}/${w.podName}`, namespace: w.namespace, name: w.podName, deployment: w.name, kind,
    version: w.labels['version'] ?? '', podIp: w.address, appAddress: w.address, apps: [], problems, warnings,
  };
  if (!isLoopback(w.address)) {
    problems.push(`${where('status.podIP')}${w.address} is not a loopback address, so the pod cannot run on this machine; leave status.podIP out to get one from the address plan`);
    return { ...plan, hash: hashOf(plan) };
  }
  if (gateway) {
    plan.proxy = { name: 'istio-proxy', ...trellis(proxyArgs(w, 'router', input.xdsAddress)), env: baseEnv(input.env), restart: 'always', stdin: false };
    plan.proxyId = `${w.podName}.${w.namespace}`;
    return { ...plan, hash: hashOf(plan) };
  }
  const sidecar = w.sidecar;
  if (sidecar) {
    const app = appAddressFor(w.address);
    if (!app) {
      problems.push(`${where(`metadata.annotations["${INJECT}"]`)}the pod IP ${w.address} is outside 127.1.0.0/16, so its app has no address of its own next to the sidecar; leave status.podIP out, or annotate the pod template ${INJECT}: "false"`);
      return { ...plan, hash: hashOf(plan) };
    }
    plan.appAddress = app;
    plan.proxy = { name: 'istio-proxy', ...trellis(proxyArgs(w, 'sidecar', input.xdsAddress, app)), env: baseEnv(input.env), restart: 'always', stdin: false };
    plan.proxyId = `${w.podName}.${w.namespace}`;
  }
  if (!o) return { ...plan, hash: hashOf(plan) };
  const { spec, path } = podSpecOf(o);
  const cwd = resolve(dirname(o.origin.file));
  const containers: Container[] = Array.isArray(spec?.containers) ? spec!.containers : [];
  containers.forEach((c, i) => {
    const cpath = [...path, i];
    const field = fieldText(cpath);
    const name = typeof c?.name === 'string' && c.name ? c.name : `container-${i}`;
    const r = resolveContainer(c ?? {}, field);
    if (!r.program) {
      const line = o.lineOf(r.problem!.field.endsWith('.image') ? [...cpath, 'image'] : cpath);
      problems.push(`${where(r.problem!.field, line)}${r.problem!.message}`);
      return;
    }
    const { env, warnings: w2 } = containerEnv({
      container: c, field, pod: { name: w.podName, namespace: w.namespace, ip: w.address },
      appHost: plan.appAddress, port: r.port, sidecar, base: input.env,
    });
    for (const x of w2) warnings.push(`${w.origin.file}:${o.lineOf([...cpath, 'env'])}: warning: ${objectRef(o)}: ${x.field}: ${x.message}`);
    const envPort = Number(env['PORT']);
    const port = Number.isInteger(envPort) && envPort > 0 && envPort < 65536 ? envPort : r.port;
    const run = r.program.kind === 'command'
      ? { command: r.program.command, args: r.program.args }
      : trellis(['app', r.program.app, '--listen', `${plan.appAddress}:${port ?? 0}`, '--version', r.program.version,
        '--pod-name', w.podName, '--pod-ip', w.address]);
    plan.apps.push({
      name, ...run, ...(r.program.kind === 'command' ? { cwd } : {}), env, ...(port ? { port } : {}), restart: restartPolicy(o), stdin: (c as { stdin?: unknown }).stdin === true,
    });
  });
  return { ...plan, hash: hashOf(plan) };
}

const KIND_ORDER: Record<WorkloadPlan['kind'], number> = { Gateway: 0, Deployment: 1, Pod: 1 };

/** Every workload to run, gateways first, then by namespace and pod name. */
export function planMesh(input: PlanInput): WorkloadPlan[] {
  const byRef = new Map(input.objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  const out: WorkloadPlan[] = [];
  for (const w of input.snapshot.registry.workloads) {
    if (w.kind !== 'Deployment' && w.kind !== 'Pod' && w.kind !== 'Gateway') continue;
    const o = w.kind === 'Gateway' ? undefined : byRef.get(`${w.kind}/${w.namespace}/${w.name}`);
    out.push(planWorkload(w, o, input));
  }
  return out.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name, 'en', { numeric: true }));
}
