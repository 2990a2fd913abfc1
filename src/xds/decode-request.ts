/**
 * A fast path for decoding SotW DiscoveryRequests, which at a thousand proxies are mostly ACKs:
 * version_info (1), resource_names (3), type_url (4) and response_nonce (5) are read straight
 * from the bytes into the proto3 JSON shape the codec gives (absent fields left out). A request
 * with anything else (the node of a first request, the error_detail of a NACK, any other field)
 * or bytes the scan cannot read goes to the general decoder, which checks it against the protos
 * and throws what it throws. Used by grpc.ts as the request deserializer. Pure.
 */
import protobuf from 'protobufjs';
import type { DiscoveryRequest } from '../api/xds/discovery.js';

export function decodeSotwRequest(bytes: Uint8Array, general: (bytes: Uint8Array) => DiscoveryRequest): DiscoveryRequest {
  const out: DiscoveryRequest = {};
  const names: string[] = [];
  try {
    const r = protobuf.Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 10: out.versionInfo = r.string(); break; // 1, length-delimited
        case 26: names.push(r.string()); break; // 3
        case 34: out.typeUrl = r.string(); break; // 4
        case 42: out.responseNonce = r.string(); break; // 5
        default: return general(bytes); // node, error_detail, or anything unexpected
      }
    }
  } catch {
    return general(bytes);
  }
  if (names.length > 0) out.resourceNames = names;
  return out;
}
