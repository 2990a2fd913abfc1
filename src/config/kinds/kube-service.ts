/**
 * Kubernetes `v1` Service: the source of mesh services and their ports. Checks what Trellis
 * reads, as the API server would: the name (a DNS-1035 label), type, clusterIP, selector and
 * ports (number, targetPort, protocol, name, appProtocol). Other fields are accepted unchecked.
 */
import type { KindValidator } from './kind.js';
import type { Ctx } from '../ctx.js';
import { arr, enumOf, int32, intOrString, map, openObj, str } from '../schema.js';
import { checkLabels, isDns1123Label, isDns1123Subdomain, isIPAddress, isValidPort, labelKeyError } from '../rules.js';
import type { ServiceSpec } from '../../api/kubernetes.js';
import type { RawObject } from '../../api/resource.js';
import { ianaSvcNameError, KUBE_PROTOCOLS } from './kube-rules.js';

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const has = (v: unknown): boolean => v !== undefined && v !== null;

function checkPorts(ctx: Ctx, spec: ServiceSpec, type: string): void {
  const ports = spec.ports ?? [];
  if (ports.length === 0 && type !== 'ExternalName' && spec.clusterIP !== 'None') {
    ctx.error(['spec', 'ports'], 'at least one port is required (e.g. {name: http, port: 80, targetPort: 8080}), unless the Service is headless (clusterIP: None) or ExternalName');
  }
  const names = new Set<string>();
  const portProto = new Set<string>();
  ports.forEach((sp, i) => {
    const p = ['spec', 'ports', i];
    if (!sp) return ctx.error(p, 'port must not be null; give {name, port, targetPort}');
    const name = sp.name ?? '';
    if (name === '') {
      if (ports.length > 1) ctx.error([...p, 'name'], 'port name is required when a Service has more than one port (a DNS-1123 label such as "http")');
    } else if (!isDns1123Label(name)) {
      ctx.error([...p, 'name'], `invalid port name ${JSON.stringify(name)}: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63)`);
    } else if (names.has(name)) {
      ctx.error([...p, 'name'], `duplicate port name ${JSON.stringify(name)}; port names must be unique`);
    }
    names.add(name);
    if (!has(sp.port)) ctx.error([...p, 'port'], 'port is required (1..65535)');
    else if (!isValidPort(sp.port)) ctx.error([...p, 'port'], `port number ${sp.port} must be in the range 1..65535`);
    const proto = sp.protocol ?? 'TCP';
    if (has(sp.port)) {
      const key = `${sp.port}/${proto}`;
      if (portProto.has(key)) ctx.error(p, `duplicate port ${sp.port}/${proto}; each port and protocol pair must be unique`);
      portProto.add(key);
    }
    const tp = sp.targetPort;
    if (typeof tp === 'number') {
      if (tp !== 0 && !isValidPort(tp)) ctx.error([...p, 'targetPort'], `targetPort ${tp} must be in the range 1..65535 (or the name of a container port)`);
    } else if (typeof tp === 'string') {
      const e = ianaSvcNameError(tp);
      if (e) ctx.error([...p, 'targetPort'], `${e}; or use a number 1..65535`.replace('invalid port name', 'invalid targetPort name'));
    }
    if (has(sp.nodePort) && sp.nodePort !== 0) {
      if (type === 'ClusterIP' || type === 'ExternalName') {
        ctx.error([...p, 'nodePort'], `nodePort may not be used when type is ${type}; use type NodePort or LoadBalancer, or remove it`);
      } else if (!isValidPort(sp.nodePort)) {
        ctx.error([...p, 'nodePort'], `nodePort ${sp.nodePort} must be in the range 1..65535`);
      }
    }
    if (typeof sp.appProtocol === 'string' && sp.appProtocol !== '') {
      const e = labelKeyError(sp.appProtocol);
      if (e) ctx.error([...p, 'appProtocol'], `invalid appProtocol ${JSON.stringify(sp.appProtocol)}: must be a protocol name such as "http", "grpc" or "kubernetes.io/h2c" (an optional DNS prefix and '/', then letters, digits, '-', '_' or '.')`);
    }
  });
}

function checkClusterIP(ctx: Ctx, spec: ServiceSpec, type: string): void {
  const ip = spec.clusterIP ?? '';
  if (type === 'ExternalName') {
    if (ip !== '') ctx.error(['spec', 'clusterIP'], 'clusterIP may not be set for ExternalName services; remove it');
    const en = spec.externalName ?? '';
    if (en === '') ctx.error(['spec', 'externalName'], 'externalName is required for type ExternalName (a DNS name such as "api.example.com")');
    else if (!isDns1123Subdomain(en.endsWith('.') ? en.slice(0, -1) : en)) {
      ctx.error(['spec', 'externalName'], `invalid externalName ${JSON.stringify(en)}: must be a DNS name (lowercase letters, digits, '-' and '.')`);
    }
    return;
  }
  if (ip !== '' && ip !== 'None' && !isIPAddress(ip)) {
    ctx.error(['spec', 'clusterIP'], `invalid clusterIP ${JSON.stringify(ip)}: must be an IP address, "None" (headless) or empty (allocated)`);
  }
  const ips = spec.clusterIPs ?? [];
  ips.forEach((x, i) => {
    if (typeof x !== 'string') return;
    if (x === 'None' ? ips.length > 1 : !isIPAddress(x)) {
      ctx.error(['spec', 'clusterIPs', i], `invalid clusterIPs entry ${JSON.stringify(x)}: must be an IP address ("None" only as the single entry)`);
    }
  });
  if (ip !== '' && ips.length > 0 && ips[0] !== ip) {
    ctx.error(['spec', 'clusterIPs', 0], `clusterIPs[0] ${JSON.stringify(ips[0])} must equal clusterIP ${JSON.stringify(ip)}`);
  }
}

export const kubeService: KindValidator<ServiceSpec> = {
  kind: 'Service',
  schema: openObj({
    type: enumOf('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
    ports: arr(openObj({
      name: str(), protocol: enumOf(...KUBE_PROTOCOLS), appProtocol: str(), port: int32(), targetPort: intOrString(), nodePort: int32(),
    })),
    selector: map(str()),
    clusterIP: str(),
    clusterIPs: arr(str()),
    externalName: str(),
    sessionAffinity: enumOf('ClientIP', 'None'),
    externalTrafficPolicy: enumOf('Cluster', 'Local'),
    internalTrafficPolicy: enumOf('Cluster', 'Local'),
    ipFamilyPolicy: enumOf('SingleStack', 'PreferDualStack', 'RequireDualStack'),
    ipFamilies: arr(enumOf('IPv4', 'IPv6')),
  }),
  validateMeta(ctx: Ctx, obj: RawObject) {
    const name = obj.metadata.name;
    // Names that are not even DNS-1123 subdomains are already reported with the envelope.
    if (name && isDns1123Subdomain(name) && (name.length > 63 || !DNS1035_LABEL.test(name))) {
      ctx.error(['metadata', 'name'], `invalid Service name ${JSON.stringify(name)}: must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63)`);
    }
  },
  validate(spec, ctx) {
    const type = spec.type ?? 'ClusterIP';
    checkPorts(ctx, spec, type);
    checkClusterIP(ctx, spec, type);
    checkLabels(ctx, ['spec', 'selector'], spec.selector);
  },
};
