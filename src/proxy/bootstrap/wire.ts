/**
 * The client side of the ADS wire, without protobufjs: requests encoded by the hand-written
 * DiscoveryRequest encoder, responses decoded down to their envelope with each resource left as
 * its packed `Any` bytes, so that one resource that does not decode is NACKed (with its index
 * and type) instead of failing the whole stream; and `decodeResources`, which turns those bytes
 * into proto3 JSON with the schema-driven decoder (api/xds/wire-decode.ts). No sockets here.
 */
import type { DiscoveryRequest } from '../../api/xds/discovery.js';
import { decodeDiscoveryResponse, encodeDiscoveryRequest, type DiscoveryEnvelope, type PackedResource } from '../../api/xds/wire-discovery.js';
import type { WireDecoder } from '../../api/xds/wire-decode.js';
import { WireError } from '../../api/xds/wire-reader.js';

export type { PackedResource };

/** A DiscoveryResponse with its resources still packed. */
export type RawDiscoveryResponse = DiscoveryEnvelope;

/** A DiscoveryResponse's envelope; throws WireError on malformed bytes. */
export function decodeEnvelope(bytes: Uint8Array): RawDiscoveryResponse {
  return decodeDiscoveryResponse(bytes);
}

/** A DiscoveryRequest's bytes; throws when a field cannot be written. */
export function encodeRequest(req: DiscoveryRequest): Buffer {
  return encodeDiscoveryRequest(req);
}

/** Each packed resource as proto3 JSON, or the first one that cannot be decoded and why. */
export function decodeResources(decoder: WireDecoder, typeUrl: string, packed: readonly PackedResource[]): { resources: object[] } | { error: string } {
  const out: object[] = [];
  for (let i = 0; i < packed.length; i++) {
    const p = packed[i]!;
    if (p.typeUrl !== typeUrl) return { error: `resource ${i}: type ${p.typeUrl} in a ${typeUrl} response` };
    try {
      out.push(decoder.decodeResource(p.typeUrl, p.value));
    } catch (e) {
      return { error: `resource ${i} (${typeUrl}): ${e instanceof WireError ? e.message : `cannot decode: ${String(e)}`}` };
    }
  }
  return { resources: out };
}
