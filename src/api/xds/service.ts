/**
 * The gRPC definition of Envoy's Aggregated Discovery Service (envoy.service.discovery.v3), with
 * serializers from this codec: handlers receive DiscoveryRequest as proto3 JSON (`discovery.ts`)
 * and send DiscoveryResponse as proto3 JSON whose `resources` are `{'@type': …, ...fields}`
 * objects. Encoding a response that does not fit the protos throws XdsCodecError. Pass
 * it to `server.addService` (server side) or `makeClientConstructor` (client side). Types only
 * from @grpc/grpc-js; this module opens no socket.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { decodeMessage, encodeMessage } from './codec.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse } from './discovery.js';

const PACKAGE = 'envoy.service.discovery.v3';

/** Message names of the discovery protocol. */
export const DiscoveryTypeUrl = {
  DiscoveryRequest: `type.googleapis.com/${PACKAGE}.DiscoveryRequest`,
  DiscoveryResponse: `type.googleapis.com/${PACKAGE}.DiscoveryResponse`,
  DeltaDiscoveryRequest: `type.googleapis.com/${PACKAGE}.DeltaDiscoveryRequest`,
  DeltaDiscoveryResponse: `type.googleapis.com/${PACKAGE}.DeltaDiscoveryResponse`,
} as const;

function method<Req extends object, Res extends object>(name: string, request: string, response: string): MethodDefinition<Req, Res> {
  return {
    path: `/${PACKAGE}.AggregatedDiscoveryService/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (value: Req) => Buffer.from(encodeMessage(request, value)),
    requestDeserialize: (bytes: Buffer) => decodeMessage(request, bytes) as Req,
    responseSerialize: (value: Res) => Buffer.from(encodeMessage(response, value)),
    responseDeserialize: (bytes: Buffer) => decodeMessage(response, bytes) as Res,
    originalName: name.charAt(0).toLowerCase() + name.slice(1),
  };
}

export interface AdsServiceDefinition extends ServiceDefinition {
  StreamAggregatedResources: MethodDefinition<DiscoveryRequest, DiscoveryResponse>;
  DeltaAggregatedResources: MethodDefinition<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
}

/** `envoy.service.discovery.v3.AggregatedDiscoveryService`, SotW and Delta streams. */
export function adsServiceDefinition(): AdsServiceDefinition {
  return {
    StreamAggregatedResources: method<DiscoveryRequest, DiscoveryResponse>('StreamAggregatedResources', DiscoveryTypeUrl.DiscoveryRequest, DiscoveryTypeUrl.DiscoveryResponse),
    DeltaAggregatedResources: method<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(
      'DeltaAggregatedResources',
      DiscoveryTypeUrl.DeltaDiscoveryRequest,
      DiscoveryTypeUrl.DeltaDiscoveryResponse,
    ),
  };
}
