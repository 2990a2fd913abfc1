/**
 * The client side of the ADS wire: the StreamAggregatedResources method with a response
 * deserializer that decodes only the DiscoveryResponse envelope and leaves each resource as its
 * packed `Any` bytes, so that one resource that does not decode is NACKed (with its index and
 * type) instead of failing the whole gRPC call; and `decodeResources`, which turns those bytes
 * into proto3 JSON with the Envoy protos. Requests are encoded by adsServiceDefinition()'s own
 * serializer. No sockets here.
 */
import type { MethodDefinition } from '@grpc/grpc-js';
import { adsServiceDefinition, decodeResource, lookupMessage } from '../../api/xds/index.js';
import type { DiscoveryRequest } from '../../api/xds/index.js';

/** A resource as it came off the wire. */
export interface PackedResource {
  typeUrl: string;
  value: Uint8Array;
}

/** A DiscoveryResponse with its resources still packed. */
export interface RawDiscoveryResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: PackedResource[];
  controlPlane?: string;
}

const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

interface DecodedEnvelope {
  version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: { type_url?: string; value?: Uint8Array }[];
  control_plane?: { identifier?: string };
}

export function decodeEnvelope(bytes: Uint8Array): RawDiscoveryResponse {
  const type = lookupMessage(RESPONSE);
  if (!type) throw new Error(`${RESPONSE} is not loaded`);
  const m = type.decode(bytes) as unknown as DecodedEnvelope;
  const identifier = m.control_plane?.identifier;
  return {
    versionInfo: m.version_info ?? '',
    typeUrl: m.type_url ?? '',
    nonce: m.nonce ?? '',
    resources: (m.resources ?? []).map((a) => ({ typeUrl: a.type_url ?? '', value: a.value ?? new Uint8Array() })),
    ...(identifier ? { controlPlane: identifier } : {}),
  };
}

export type StreamMethod = MethodDefinition<DiscoveryRequest, RawDiscoveryResponse>;

export function streamMethod(): StreamMethod {
  const def = adsServiceDefinition().StreamAggregatedResources;
  return {
    ...def,
    responseSerialize: () => {
      throw new Error('client-only definition');
    },
    responseDeserialize: (bytes: Buffer) => decodeEnvelope(bytes),
  };
}

/** Each packed resource as proto3 JSON, or the first one that cannot be decoded and why. */
export function decodeResources(typeUrl: string, packed: readonly PackedResource[]): { resources: object[] } | { error: string } {
  const out: object[] = [];
  for (let i = 0; i < packed.length; i++) {
    const p = packed[i]!;
    if (p.typeUrl !== typeUrl) return { error: `resource ${i}: type ${p.typeUrl} in a ${typeUrl} response` };
    try {
      out.push(decodeResource(p.typeUrl, p.value));
    } catch (e) {
      return { error: `resource ${i} (${typeUrl}): cannot decode: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  return { resources: out };
}
