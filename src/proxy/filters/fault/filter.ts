/**
 * envoy.filters.http.fault per request: with the route's HTTPFault (faultConfig), first the delay
 * (drawn with the injected random; response flag DI), then the abort (flag FI, body
 * "fault filter abort", as Envoy; a gRPC abort answers 200 with grpc-status). Without a
 * per-route config the filter does nothing (Istio's listener-level HTTPFault is empty).
 */
import type { HttpFilter, ProxyResponse, RequestContext } from '../types.js';
import { localReply } from '../types.js';
import { faultConfig } from './config.js';
import type { HTTPFault } from '../../../api/envoy/route.js';

export const faultFilter: HttpFilter = {
  name: 'envoy.filters.http.fault',
  onRequest(ctx: RequestContext): Promise<ProxyResponse | undefined> | undefined {
    const f = ctx.decision?.fault;
    // Without a fault for this route the request goes on at once (no promise, no extra turn).
    return f ? inject(ctx, f) : undefined;
  },
};

async function inject(ctx: RequestContext, f: HTTPFault): Promise<ProxyResponse | undefined> {
  const c = faultConfig(f);
  if (c.delay && c.delay.ms > 0 && ctx.random() < c.delay.fraction) {
    ctx.addFlag('DI');
    if (!(await ctx.sleep(c.delay.ms))) return localReply(499, 'client disconnected');
  }
  if (c.abort && ctx.random() < c.abort.fraction) {
    ctx.addFlag('FI');
    if (c.abort.grpcStatus !== undefined) {
      return { status: 200, headers: { 'content-type': 'application/grpc', 'grpc-status': String(c.abort.grpcStatus), 'grpc-message': 'fault filter abort' }, body: '' };
    }
    return localReply(c.abort.httpStatus ?? 503, 'fault filter abort');
  }
  return undefined;
}
