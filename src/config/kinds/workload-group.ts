/**
 * Istio WorkloadGroup (ISTIO-RULES §3.7, rules 70–71): the template from which WorkloadEntries
 * are auto-registered, the metadata they get, and their readiness probe. The template is checked
 * with the shared workload rules in `template` mode (address is filled in at registration).
 */
import type { KindValidator } from './kind.js';
import type { Ctx, Path } from '../ctx.js';
import { arr, int32, map, obj, str, uint32 } from '../schema.js';
import { checkLabels, checkPort } from '../rules.js';
import type { ReadinessProbe, WorkloadGroup } from '../../api/istio/workload-group.js';
import { checkMaxProps, checkWorkloadEntry, requireSpec, workloadEntrySchema } from './workload-rules.js';

const PROBE_HEADER_NAME = /^[-_A-Za-z0-9]+$/;
const METHODS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;
const COUNTERS = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const;

const probeSchema = obj({
  initialDelaySeconds: int32(),
  timeoutSeconds: int32(),
  periodSeconds: int32(),
  successThreshold: int32(),
  failureThreshold: int32(),
  httpGet: obj({ path: str(), port: uint32(), host: str(), scheme: str(), httpHeaders: arr(obj({ name: str(), value: str() })) }),
  tcpSocket: obj({ host: str(), port: uint32() }),
  exec: obj({ command: arr(str()) }),
  grpc: obj({ port: uint32(), service: str() }),
});

const has = (v: unknown): boolean => v !== undefined && v !== null;

function requiredPort(ctx: Ctx, path: Path, port: unknown): void {
  if (!has(port)) ctx.error(path, 'port is required (a number in the range 1..65535)');
  else checkPort(ctx, path, port);
}

/** Rule 71. */
function checkProbe(ctx: Ctx, path: Path, probe: ReadinessProbe): void {
  for (const c of COUNTERS) {
    const v = probe[c];
    if (typeof v === 'number' && v < 0) ctx.error([...path, c], `${c} must be zero or positive, got ${v}`);
  }
  const set = METHODS.filter((m) => has(probe[m]));
  if (set.length === 0) {
    ctx.error(path, 'a probe needs exactly one health check method; set one of httpGet, tcpSocket, exec or grpc');
  } else if (set.length > 1) {
    ctx.error([...path, set[1]!], `a probe has exactly one health check method, found ${set.join(' and ')}; keep only one`);
  }
  const h = probe.httpGet;
  if (h) {
    const hp = [...path, 'httpGet'];
    requiredPort(ctx, [...hp, 'port'], h.port);
    if (typeof h.scheme === 'string' && h.scheme !== '' && h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') {
      ctx.error([...hp, 'scheme'], `unknown scheme ${JSON.stringify(h.scheme)}; valid values are: HTTP, HTTPS (or leave it empty)`);
    }
    (h.httpHeaders ?? []).forEach((hdr, i) => {
      if (!hdr) return;
      const name = hdr.name ?? '';
      if (name === '') ctx.error([...hp, 'httpHeaders', i, 'name'], 'header name is required (letters, digits, "-" and "_")');
      else if (!PROBE_HEADER_NAME.test(name)) {
        ctx.error([...hp, 'httpHeaders', i, 'name'], `invalid header name ${JSON.stringify(name)}: use only letters, digits, "-" and "_"`);
      }
    });
  }
  if (probe.tcpSocket) requiredPort(ctx, [...path, 'tcpSocket', 'port'], probe.tcpSocket.port);
  if (probe.grpc) requiredPort(ctx, [...path, 'grpc', 'port'], probe.grpc.port);
  const e = probe.exec;
  if (e) {
    if (!e.command || e.command.length === 0) {
      ctx.error([...path, 'exec', 'command'], 'exec.command is required: the command line to run, e.g. ["cat", "/tmp/healthy"]');
    } else {
      e.command.forEach((c, i) => {
        if (c === '') ctx.error([...path, 'exec', 'command', i], 'command entries must not be empty strings');
      });
    }
  }
}

export const workloadGroup: KindValidator<WorkloadGroup> = {
  kind: 'WorkloadGroup',
  schema: obj({
    metadata: obj({ labels: map(str()), annotations: map(str()) }),
    template: workloadEntrySchema,
    probe: probeSchema,
  }),
  validate(spec, ctx, obj) {
    if (!requireSpec(ctx, obj, 'WorkloadGroup')) return;
    if (!spec.template) {
      ctx.error(['spec', 'template'], 'template is required: the WorkloadEntry fields (labels, ports, serviceAccount, network) given to registered workloads; "template: {}" is enough');
    } else {
      checkWorkloadEntry(ctx, ['spec', 'template'], spec.template, { mode: 'template' });
    }
    if (spec.metadata) {
      checkLabels(ctx, ['spec', 'metadata', 'labels'], spec.metadata.labels);
      checkMaxProps(ctx, ['spec', 'metadata', 'labels'], spec.metadata.labels, 256, 'labels');
      checkMaxProps(ctx, ['spec', 'metadata', 'annotations'], spec.metadata.annotations, 256, 'annotations');
    }
    if (spec.probe) checkProbe(ctx, ['spec', 'probe'], spec.probe);
  },
};
