/**
 * What the benchmark's simulated sidecars read of CDS and LDS, straight from the protobuf bytes:
 * the EDS cluster names (a Cluster of type EDS: its eds_cluster_config.service_name, else its
 * name) and the RDS route names (rds.route_config_name of the HttpConnectionManagers in a
 * listener's filter chains), as compile's `edsNames` and `rdsNames` find them in JSON. Decoding
 * whole resources to JSON to find those names costs a thousand simulated clients more CPU than
 * the control plane spends answering them, which is not what the benchmark measures. Field
 * numbers are the Envoy v3 protos'. Bench only; pure.
 */
import protobuf from 'protobufjs';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const EDS_TYPE = 3; // envoy.config.cluster.v3.Cluster.DiscoveryType.EDS

/** Calls `on` for each field of a message: its number, wire type and the reader positioned at its value. */
function fields(bytes: Uint8Array, on: (field: number, wire: number, r: protobuf.Reader) => boolean): void {
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (!on(tag >>> 3, tag & 7, r)) r.skipType(tag & 7);
  }
}

/** The EDS name of a Cluster, or undefined when it is not an EDS cluster. */
export function clusterEdsName(cluster: Uint8Array): string | undefined {
  let name = '';
  let type = 0; // STATIC by default
  let serviceName: string | undefined;
  fields(cluster, (f, wire, r) => {
    if (f === 1 && wire === 2) name = r.string();
    else if (f === 2 && wire === 0) type = r.int32();
    else if (f === 3 && wire === 2) fields(r.bytes(), (g, w, rr) => (g === 2 && w === 2 ? ((serviceName = rr.string()), true) : false));
    else return false;
    return true;
  });
  return type === EDS_TYPE ? serviceName || name : undefined;
}

/** RDS route names of a Listener's HttpConnectionManagers (filter chains and the default chain). */
export function listenerRdsNames(listener: Uint8Array, out: Set<string>): void {
  const hcm = (bytes: Uint8Array): void =>
    fields(bytes, (f, w, r) => {
      if (f !== 3 || w !== 2) return false;
      fields(r.bytes(), (g, gw, rr) => (g === 2 && gw === 2 ? (out.add(rr.string()), true) : false));
      return true;
    });
  const filter = (bytes: Uint8Array): void =>
    fields(bytes, (f, w, r) => {
      if (f !== 4 || w !== 2) return false;
      let url = '';
      let value: Uint8Array | undefined;
      fields(r.bytes(), (g, gw, rr) => {
        if (g === 1 && gw === 2) url = rr.string();
        else if (g === 2 && gw === 2) value = rr.bytes();
        else return false;
        return true;
      });
      if (url === HCM && value) hcm(value);
      return true;
    });
  const chain = (bytes: Uint8Array): void => fields(bytes, (f, w, r) => (f === 3 && w === 2 ? (filter(r.bytes()), true) : false));
  fields(listener, (f, w, r) => ((f === 3 || f === 25) && w === 2 ? (chain(r.bytes()), true) : false));
}
