/**
 * The field schema of a VirtualService `spec`, written by hand from Istio's CRD
 * (virtualservices.networking.istio.io, identical for v1, v1beta1 and v1alpha3).
 *
 * Types, enums, integer ranges and duration syntax only; oneofs, ranges that depend on other
 * fields and every semantic rule live in virtual-service*.ts. Must not read the CRD at runtime.
 */
import { arr, bool, dur, enumOf, int32, map, num, obj, str, uint32, type Schema } from '../schema.js';

const stringMatch = obj({ exact: str(), prefix: str(), regex: str() });
const percent = obj({ value: num() });

const destination = obj({
  host: str(),
  subset: str(),
  port: obj({ number: uint32() }),
});

const headerOperations = obj({ set: map(str()), add: map(str()), remove: arr(str()) });
const headers = obj({ request: headerOperations, response: headerOperations });

const httpMatchRequest = obj({
  name: str(),
  uri: stringMatch,
  scheme: stringMatch,
  method: stringMatch,
  authority: stringMatch,
  headers: map(stringMatch),
  port: uint32(),
  sourceLabels: map(str()),
  gateways: arr(str()),
  queryParams: map(stringMatch),
  ignoreUriCase: bool(),
  withoutHeaders: map(stringMatch),
  sourceNamespace: str(),
  statPrefix: str(),
});

const httpRouteDestination = obj({ destination, weight: int32(), headers });

const httpRedirect = obj({
  uri: str(),
  authority: str(),
  port: uint32(),
  derivePort: enumOf('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'),
  scheme: str(),
  redirectCode: uint32(),
  prefixRewrite: str(),
});

const httpDirectResponse = obj({
  status: uint32(),
  body: obj({ string: str(), bytes: str() }),
});

const httpRetry = obj({
  attempts: int32(),
  perTryTimeout: dur(),
  retryOn: str(),
  retryRemoteLocalities: bool(),
  retryIgnorePreviousHosts: bool(),
  backoff: dur(),
});

const httpFault = obj({
  delay: obj({ fixedDelay: dur(), exponentialDelay: dur(), percent: int32(), percentage: percent }),
  abort: obj({ httpStatus: int32(), grpcStatus: str(), http2Error: str(), percentage: percent }),
});

const corsPolicy = obj({
  allowOrigin: arr(str()),
  allowOrigins: arr(stringMatch),
  allowMethods: arr(str()),
  allowHeaders: arr(str()),
  exposeHeaders: arr(str()),
  maxAge: dur(),
  allowCredentials: bool(),
  unmatchedPreflights: enumOf('UNSPECIFIED', 'FORWARD', 'IGNORE'),
});

const httpRoute = obj({
  name: str(),
  match: arr(httpMatchRequest),
  route: arr(httpRouteDestination),
  redirect: httpRedirect,
  directResponse: httpDirectResponse,
  delegate: obj({ name: str(), namespace: str() }),
  rewrite: obj({ uri: str(), authority: str(), uriRegexRewrite: obj({ match: str(), rewrite: str() }) }),
  timeout: dur(),
  retries: httpRetry,
  fault: httpFault,
  mirror: destination,
  mirrors: arr(obj({ destination, percentage: percent })),
  mirrorPercent: uint32(),
  mirror_percent: uint32(),
  mirrorPercentage: percent,
  corsPolicy,
  headers,
});

const routeDestination = obj({ destination, weight: int32() });

const tlsRoute = obj({
  match: arr(obj({
    sniHosts: arr(str()),
    destinationSubnets: arr(str()),
    port: uint32(),
    sourceLabels: map(str()),
    gateways: arr(str()),
    sourceNamespace: str(),
  })),
  route: arr(routeDestination),
});

const tcpRoute = obj({
  match: arr(obj({
    destinationSubnets: arr(str()),
    port: uint32(),
    sourceLabels: map(str()),
    gateways: arr(str()),
    sourceNamespace: str(),
    sourceSubnet: str(),
  })),
  route: arr(routeDestination),
});

export const virtualServiceSchema: Schema = obj({
  hosts: arr(str()),
  gateways: arr(str()),
  http: arr(httpRoute),
  tls: arr(tlsRoute),
  tcp: arr(tcpRoute),
  exportTo: arr(str()),
});
