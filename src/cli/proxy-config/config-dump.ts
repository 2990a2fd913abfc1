/**
 * What `trellis proxy-config all -o json|yaml` prints offline: Envoy's admin
 * `/config_dump?include_eds` of one proxy's compiled resources, built by the same code as the
 * control plane's `/debug/config_dump` (src/xds/monitoring/config-dump.ts), every type at one
 * version, no NACKs, endpoints always included. Pure data shaping.
 */
import { TypeUrl } from '../../api/envoy/common.js';
import type { ProxyConfig } from '../../compile/index.js';
import { envoyConfigDumpOfTypes, type EnvoyConfigDump } from '../../xds/monitoring/config-dump.js';

/** The config dump of one proxy's compiled resources, all at `version`. */
export function configDump(cfg: ProxyConfig, version: string): EnvoyConfigDump {
  return envoyConfigDumpOfTypes(
    [
      { typeUrl: TypeUrl.Cluster, version, resources: cfg.clusters },
      { typeUrl: TypeUrl.ClusterLoadAssignment, version, resources: cfg.endpoints },
      { typeUrl: TypeUrl.Listener, version, resources: cfg.listeners },
      { typeUrl: TypeUrl.RouteConfiguration, version, resources: cfg.routes },
    ],
    [],
    true,
  );
}
