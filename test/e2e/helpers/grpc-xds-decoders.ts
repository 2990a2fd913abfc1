/**
 * grpc-js-xds's own resource decoders and validators (its internal `xds-resource-type` modules),
 * so tests can ask the real proxyless client whether it accepts what Trellis generates: each
 * `decode` returns the resource name and either the decoded value or the client's NACK message.
 * Undefined when the package layout changed (tests then skip, saying so).
 */
import { createRequire } from 'node:module';
import { packResource } from '../../../src/api/xds/index.js';

interface DecodeResult { name: string; error?: string; value?: unknown }
interface ResourceType { get(): { decode(ctx: object, any: object): DecodeResult } }

export interface GrpcXdsDecoders {
  /** Decodes one resource of `kind` as grpc-js-xds does on receipt. */
  decode(kind: 'listener' | 'route' | 'cluster' | 'endpoint', resource: object, typeUrl?: string): DecodeResult;
}

/** The decode context: one insecure ADS server, and a `default` certificate provider as Istio's agent writes. */
const CONTEXT = {
  server: { serverUri: '127.0.0.1:15010', channelCredentials: { type: 'insecure' }, serverFeatures: ['xds_v3'] },
  bootstrap: {
    xdsServers: [],
    node: { id: 'test' },
    authorities: {},
    clientDefaultListenerResourceNameTemplate: '%s',
    certificateProviders: { default: { pluginName: 'file_watcher', config: {} } },
  },
};

export const DECODERS_MISSING = "@grpc/grpc-js-xds's internal resource decoders moved; skipping";

export function grpcXdsDecoders(): GrpcXdsDecoders | undefined {
  try {
    const require = createRequire(import.meta.url);
    require('@grpc/grpc-js-xds').register(); // registers the HTTP filters the validators look up
    const dir = '@grpc/grpc-js-xds/build/src/xds-resource-type';
    const types: Record<string, ResourceType> = {
      listener: require(`${dir}/listener-resource-type.js`).ListenerResourceType,
      route: require(`${dir}/route-config-resource-type.js`).RouteConfigurationResourceType,
      cluster: require(`${dir}/cluster-resource-type.js`).ClusterResourceType,
      endpoint: require(`${dir}/endpoint-resource-type.js`).EndpointResourceType,
    };
    for (const t of Object.values(types)) if (typeof t?.get !== 'function') return undefined;
    return { decode: (kind, resource, typeUrl) => types[kind]!.get().decode(CONTEXT, packResource(resource, typeUrl)) };
  } catch {
    return undefined;
  }
}
