/**
 * The field schema of a DestinationRule `spec`, written by hand from Istio's CRD (the same for
 * v1, v1beta1 and v1alpha3). Types, enums, integer ranges and duration syntax are checked here;
 * rules that relate fields live in destination-rule.ts, traffic-policy.ts and load-balancer.ts.
 */
import { obj, str, enumOf, int32, uint32, uint64, num, bool, dur, durOrZero, arr, map, type Schema } from '../schema.js';
import { connectionPoolSchema } from './connection-pool.js';

const range = (min: number, max: number): Schema => ({ k: 'int', min, max });

const failover = obj({ from: str(), to: str() });

const loadBalancer = obj({
  simple: enumOf('UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'),
  consistentHash: obj({
    httpHeaderName: str(),
    httpCookie: obj({
      name: str(),
      path: str(),
      // A TTL of 0s asks for a session cookie, so only the syntax is checked (traffic-policy.ts).
      ttl: str(),
      attributes: arr(obj({ name: str(), value: str() })),
    }),
    useSourceIp: bool(),
    httpQueryParameterName: str(),
    ringHash: obj({ minimumRingSize: uint64() }),
    maglev: obj({ tableSize: uint64() }),
    minimumRingSize: uint64(),
  }),
  localityLbSetting: obj({
    distribute: arr(obj({ from: str(), to: map(uint32()) })),
    failover: arr(failover),
    failoverPriority: arr(str()),
    enabled: bool(),
  }),
  zoneAwareLbSetting: obj({
    enabled: bool(),
    failover: arr(failover),
    failoverPriority: arr(str()),
    minClusterSize: uint64(),
  }),
  warmupDurationSecs: dur(),
  warmup: obj({ duration: dur(), minimumPercent: num(), aggression: num() }),
});

const outlierDetection = obj({
  splitExternalLocalOriginErrors: bool(),
  consecutiveLocalOriginFailures: uint32(),
  consecutiveGatewayErrors: uint32(),
  consecutive5xxErrors: uint32(),
  consecutiveErrors: int32(),
  interval: dur(),
  baseEjectionTime: dur(),
  maxEjectionPercent: int32(),
  minHealthPercent: int32(),
  outlierDetectionHttpErrorCodes: arr(range(100, 599)),
});

const clientTls = obj({
  mode: enumOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
  clientCertificate: str(),
  privateKey: str(),
  caCertificates: str(),
  credentialName: str(),
  subjectAltNames: arr(str()),
  sni: str(),
  insecureSkipVerify: bool(),
  caCrl: str(),
});

const trafficPolicy = obj({
  loadBalancer,
  connectionPool: connectionPoolSchema,
  outlierDetection,
  tls: clientTls,
  portLevelSettings: arr(obj({
    port: obj({ number: uint32() }),
    loadBalancer,
    connectionPool: connectionPoolSchema,
    outlierDetection,
    tls: clientTls,
  })),
  tunnel: obj({ protocol: str(), targetHost: str(), targetPort: uint32() }),
  proxyProtocol: obj({ version: enumOf('V1', 'V2') }),
  retryBudget: obj({
    percent: num(),
    minRetryConcurrency: uint32(),
    // Istio leaves budgetInterval unchecked beyond protobuf duration syntax (traffic-policy.ts).
    budgetInterval: str(),
  }),
});

export const destinationRuleSchema: Schema = obj({
  host: str(),
  trafficPolicy,
  subsets: arr(obj({ name: str(), labels: map(str()), trafficPolicy })),
  exportTo: arr(str()),
  workloadSelector: obj({ matchLabels: map(str()) }),
});
