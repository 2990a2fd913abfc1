/**
 * The gRPC side of the ADS server: registers envoy.service.discovery.v3.AggregatedDiscoveryService
 * on a grpc-js Server and adapts each call to the transport-neutral stream (StreamTransport /
 * StreamHandle). Responses are encoded here (encode.ts: each distinct resource once), before
 * writing, so that a resource the protos reject fails that one send (reported by the stream)
 * instead of ending the call with INTERNAL. `send` resolves when grpc-js has flushed the
 * message, which is what the push queue's limit bounds. Requests are handled in time slices
 * (work-slicer.ts), so that a burst of them cannot starve socket reads and keepalive acks; SotW
 * ACKs are decoded by a fast path (decode-request.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { DiscoveryTypeUrl, adsServiceDefinition } from '../api/xds/index.js';
import { decodeSotwRequest } from './decode-request.js';
import { encodeResponse } from './encode.js';
import { WorkSlicer } from './work-slicer.js';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from '../api/xds/discovery.js';
import type { DeltaHandle, DeltaTransport, Listening, SotwHandle, SotwTransport, StreamHandle, StreamTransport } from './types.js';

export interface AdsStreams {
  openStream(transport: SotwTransport): SotwHandle;
  openDeltaStream(transport: DeltaTransport): DeltaHandle;
}

/**
 * A definition like adsServiceDefinition() whose response serializer passes bytes through, and
 * whose SotW request deserializer takes the fast path for ACKs.
 */
function serverDefinition(): grpc.ServiceDefinition {
  const def = adsServiceDefinition();
  const passBytes = <T>(m: grpc.MethodDefinition<T, unknown>): grpc.MethodDefinition<T, unknown> => ({
    ...m,
    responseSerialize: (v: unknown) => (Buffer.isBuffer(v) ? v : m.responseSerialize(v)),
  });
  const sotw = passBytes(def.StreamAggregatedResources as grpc.MethodDefinition<DiscoveryRequest, unknown>);
  const general = sotw.requestDeserialize;
  return {
    StreamAggregatedResources: { ...sotw, requestDeserialize: (b: Buffer) => decodeSotwRequest(b, (x) => general(x as Buffer)) },
    DeltaAggregatedResources: passBytes(def.DeltaAggregatedResources as grpc.MethodDefinition<DeltaDiscoveryRequest, unknown>),
  };
}

function adapt<Req, Res extends object>(
  call: grpc.ServerDuplexStream<Req, Buffer>,
  responseType: string,
  open: (t: StreamTransport<Res>) => StreamHandle<Req>,
  slicer: WorkSlicer,
): void {
  let ended = false;
  const transport: StreamTransport<Res> = {
    peer: call.getPeer(),
    send(response: Res): Promise<void> {
      const bytes = encodeResponse(responseType, response); // throws XdsCodecError
      if (ended) return Promise.resolve();
      return new Promise((resolve) => {
        call.write(bytes, () => resolve());
      });
    },
    end(code?: number, message?: string): void {
      if (ended) return;
      ended = true;
      if (code === undefined || code === grpc.status.OK) call.end();
      else call.emit('error', { code, details: message ?? '' });
    },
  };
  const handle = open(transport);
  // handled in time slices shared by every stream (work-slicer.ts), in arrival order
  call.on('data', (req: Req) => slicer.run(() => handle.receive(req)));
  call.on('end', () => {
    handle.closed();
    if (!ended) {
      ended = true;
      call.end();
    }
  });
  call.on('cancelled', () => {
    ended = true;
    handle.closed();
  });
  call.on('error', () => {
    ended = true;
    handle.closed();
  });
  call.on('close', () => handle.closed());
}

/** Registers the ADS service on `server`. */
export function bindAds(server: grpc.Server, streams: AdsStreams): void {
  // an error escaping a request handler surfaces as before (uncaught), just not mid-slice
  const slicer = new WorkSlicer({ onError: (err) => process.nextTick(() => { throw err; }) });
  server.addService(serverDefinition(), {
    StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, Buffer>) =>
      adapt(call, DiscoveryTypeUrl.DiscoveryResponse, (t) => streams.openStream(t as SotwTransport), slicer),
    DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, Buffer>) =>
      adapt(call, DiscoveryTypeUrl.DeltaDiscoveryResponse, (t) => streams.openDeltaStream(t as DeltaTransport), slicer),
  });
}

/** A new insecure grpc-js server on `address` with only the ADS service. */
export async function listenAds(address: string, streams: AdsStreams): Promise<Listening> {
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });
  bindAds(server, streams);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
