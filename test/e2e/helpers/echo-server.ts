/**
 * A gRPC echo service for end-to-end tests, with no .proto files: one unary method
 * `/echo.Echo/Call` whose messages are JSON in the gRPC frame. Each server answers with its own
 * identity (`v1`, `v2`, …) and the `x-user` it saw, so a test can count where a client's calls
 * landed. Servers bind a loopback address on a free port; `close()` stops them at once.
 */
import * as grpc from '@grpc/grpc-js';

export const ECHO_METHOD = '/echo.Echo/Call';

export interface EchoRequest { message?: string }
export interface EchoReply { identity: string; user?: string; message?: string }

export const jsonSerialize = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
export const jsonDeserialize = <T>(b: Buffer): T => JSON.parse(b.toString('utf8')) as T;

/** The service definition, shared by servers and the client (`makeGenericClientConstructor`). */
export const echoService: grpc.ServiceDefinition = {
  Call: {
    path: ECHO_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: jsonSerialize,
    requestDeserialize: (b: Buffer) => jsonDeserialize<EchoRequest>(b),
    responseSerialize: jsonSerialize,
    responseDeserialize: (b: Buffer) => jsonDeserialize<EchoReply>(b),
  },
};

export interface EchoServer {
  identity: string;
  address: string;
  port: number;
  /** Calls answered so far. */
  calls(): number;
  close(): Promise<void>;
}

export async function startEchoServer(identity: string, address: string): Promise<EchoServer> {
  const server = new grpc.Server();
  let calls = 0;
  server.addService(echoService, {
    Call: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) => {
      calls++;
      const user = call.metadata.get('x-user')[0];
      cb(null, { identity, ...(typeof user === 'string' ? { user } : {}), ...(call.request.message ? { message: call.request.message } : {}) });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  let closed: Promise<void> | undefined;
  return {
    identity,
    address,
    port,
    calls: () => calls,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      });
      return closed;
    },
  };
}
