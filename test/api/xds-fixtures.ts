/**
 * Hand-written xDS resources in Trellis's in-memory form (proto3 canonical JSON), shaped like what
 * Istio's pilot sends a sidecar or gateway: used by xds-codec.test.ts to prove the codec is
 * faithful on realistic input. Field names follow the Envoy v3 protos exactly.
 */
import { TypeUrl } from '../../src/api/envoy/common.js';

const ADS = { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' };
const T = 'type.googleapis.com/';
const FQDN = 'demoapp.default.svc.cluster.local';

const sds = (name: string) => ({
  name,
  sdsConfig: {
    apiConfigSource: {
      apiType: 'GRPC',
      transportApiVersion: 'V3',
      grpcServices: [{ envoyGrpc: { clusterName: 'sds-grpc' } }],
      setNodeOnFirstMessageOnly: true,
    },
    initialFetchTimeout: '0s',
    resourceApiVersion: 'V3',
  },
});

export const fileAccessLog = {
  name: 'envoy.access_loggers.file',
  typedConfig: {
    '@type': `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
    path: '/dev/stdout',
    logFormat: { textFormatSource: { inlineString: '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%" %RESPONSE_CODE%\n' } },
  },
};

/** Sidecar outbound listener for port 8080: HTTP through RDS, fault → cors → router. */
export const httpListener = {
  '@type': TypeUrl.Listener,
  name: '0.0.0.0_8080',
  address: { socketAddress: { address: '0.0.0.0', portValue: 8080 } },
  trafficDirection: 'OUTBOUND',
  bindToPort: false,
  continueOnListenerFiltersTimeout: true,
  listenerFiltersTimeout: '0s',
  listenerFilters: [
    { name: 'envoy.filters.listener.tls_inspector', typedConfig: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` } },
    { name: 'envoy.filters.listener.http_inspector', typedConfig: { '@type': `${T}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector` } },
  ],
  filterChains: [
    {
      filterChainMatch: { transportProtocol: 'raw_buffer', applicationProtocols: ['http/1.1', 'h2c'] },
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typedConfig: {
            '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
            statPrefix: 'outbound_0.0.0.0_8080',
            codecType: 'AUTO',
            rds: { configSource: ADS, routeConfigName: '8080' },
            httpFilters: [
              { name: 'envoy.filters.http.fault', typedConfig: { '@type': `${T}envoy.extensions.filters.http.fault.v3.HTTPFault` } },
              { name: 'envoy.filters.http.cors', typedConfig: { '@type': `${T}envoy.extensions.filters.http.cors.v3.Cors` } },
              {
                name: 'envoy.filters.http.router',
                typedConfig: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router`, suppressEnvoyHeaders: false },
              },
            ],
            useRemoteAddress: false,
            normalizePath: true,
            mergeSlashes: false,
            pathWithEscapedSlashesAction: 'KEEP_UNCHANGED',
            streamIdleTimeout: '0s',
            commonHttpProtocolOptions: { idleTimeout: '3600s' },
            upgradeConfigs: [{ upgradeType: 'websocket' }],
            forwardClientCertDetails: 'APPEND_FORWARD',
            setCurrentClientCertDetails: { subject: true, dns: true, uri: true },
            requestIdExtension: {
              typedConfig: { '@type': `${T}envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig`, useRequestIdForTraceSampling: true },
            },
            accessLog: [fileAccessLog],
          },
        },
      ],
    },
  ],
};

/** virtualOutbound (15001): original destination, tcp_proxy to PassthroughCluster, a TCP service chain. */
export const tcpListener = {
  '@type': TypeUrl.Listener,
  name: 'virtualOutbound',
  address: { socketAddress: { address: '0.0.0.0', portValue: 15001 } },
  useOriginalDst: true,
  trafficDirection: 'OUTBOUND',
  listenerFilters: [
    { name: 'envoy.filters.listener.original_dst', typedConfig: { '@type': `${T}envoy.extensions.filters.listener.original_dst.v3.OriginalDst` } },
    { name: 'envoy.filters.listener.original_src', typedConfig: { '@type': `${T}envoy.extensions.filters.listener.original_src.v3.OriginalSrc`, mark: 1337 } },
  ],
  filterChains: [
    {
      name: 'mysql',
      filterChainMatch: { destinationPort: 3306, prefixRanges: [{ addressPrefix: '10.96.0.12', prefixLen: 32 }] },
      filters: [
        {
          name: 'envoy.filters.network.tcp_proxy',
          typedConfig: {
            '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
            statPrefix: 'outbound|3306||mysql.db.svc.cluster.local',
            weightedClusters: {
              clusters: [
                { name: 'outbound|3306|v1|mysql.db.svc.cluster.local', weight: 80 },
                { name: 'outbound|3306|v2|mysql.db.svc.cluster.local', weight: 20 },
              ],
            },
            idleTimeout: '3600s',
            maxConnectAttempts: 1,
            accessLog: [fileAccessLog],
          },
        },
      ],
    },
  ],
  defaultFilterChain: {
    name: 'PassthroughFilterChain',
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typedConfig: { '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, statPrefix: 'PassthroughCluster', cluster: 'PassthroughCluster' },
      },
    ],
  },
};

/** Gateway HTTPS listener: SNI filter chain with a DownstreamTlsContext transport socket. */
export const tlsGatewayListener = {
  '@type': TypeUrl.Listener,
  name: '0.0.0.0_8443',
  address: { socketAddress: { address: '0.0.0.0', portValue: 8443 } },
  trafficDirection: 'OUTBOUND',
  listenerFilters: [{ name: 'envoy.filters.listener.tls_inspector', typedConfig: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` } }],
  filterChains: [
    {
      filterChainMatch: { serverNames: ['bookinfo.example.com'] },
      transportSocket: {
        name: 'envoy.transport_sockets.tls',
        typedConfig: {
          '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
          commonTlsContext: {
            tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_2', tlsMaximumProtocolVersion: 'TLSv1_3' },
            tlsCertificates: [{ certificateChain: { filename: '/etc/certs/cert.pem' }, privateKey: { filename: '/etc/certs/key.pem' } }],
            alpnProtocols: ['h2', 'http/1.1'],
          },
          requireClientCertificate: false,
        },
      },
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typedConfig: {
            '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
            statPrefix: 'outbound_0.0.0.0_8443',
            rds: { configSource: ADS, routeConfigName: 'https.443.https.bookinfo-gateway.default' },
            httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` } }],
            useRemoteAddress: true,
            xffNumTrustedHops: 0,
          },
        },
      ],
    },
  ],
};

const fault = {
  '@type': `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  delay: { fixedDelay: '5s', percentage: { numerator: 100000, denominator: 'MILLION' } },
  abort: { httpStatus: 500, percentage: { numerator: 10, denominator: 'HUNDRED' } },
};

const cors = {
  '@type': `${T}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  allowOriginStringMatch: [{ exact: 'https://example.com' }, { safeRegex: { regex: 'https://.*\\.example\\.org' } }],
  allowMethods: 'GET,POST',
  allowHeaders: 'x-user,content-type',
  exposeHeaders: 'x-trace',
  maxAge: '86400',
  allowCredentials: true,
  filterEnabled: { defaultValue: { numerator: 100, denominator: 'HUNDRED' } },
};

/** Sidecar route configuration "8080" covering every route feature the compiler emits. */
export const routeConfiguration = {
  '@type': TypeUrl.RouteConfiguration,
  name: '8080',
  validateClusters: false,
  ignorePortInHostMatching: true,
  maxDirectResponseBodySizeBytes: 1048576,
  virtualHosts: [
    {
      name: `${FQDN}:8080`,
      domains: [`${FQDN}`, 'demoapp', 'demoapp.default', '10.96.0.10'],
      includeRequestAttemptCount: true,
      typedPerFilterConfig: { 'envoy.filters.http.cors': cors },
      routes: [
        {
          name: 'canary',
          match: {
            prefix: '/canary',
            caseSensitive: true,
            headers: [
              { name: 'end-user', stringMatch: { exact: 'jason' } },
              { name: 'x-debug', presentMatch: true, invertMatch: true },
              { name: 'x-version', stringMatch: { safeRegex: { regex: 'v[0-9]+' } } },
            ],
            queryParameters: [{ name: 'beta', stringMatch: { prefix: 'on', ignoreCase: true } }, { name: 'trace', presentMatch: true }],
          },
          route: {
            cluster: `outbound|8080|v11|${FQDN}`,
            prefixRewrite: '/',
            timeout: '5s',
            retryPolicy: {
              retryOn: '5xx,connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
              numRetries: 3,
              perTryTimeout: '2s',
              retriableStatusCodes: [503],
              retryHostPredicate: [
                {
                  name: 'envoy.retry_host_predicates.previous_hosts',
                  typedConfig: { '@type': `${T}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate` },
                },
              ],
              hostSelectionRetryMaxAttempts: '5',
            },
            requestMirrorPolicies: [
              {
                cluster: `outbound|8080|v12|${FQDN}`,
                runtimeFraction: { defaultValue: { numerator: 50, denominator: 'HUNDRED' } },
                traceSampled: false,
              },
            ],
            hashPolicy: [{ header: { headerName: 'x-user' } }, { cookie: { name: 'session', ttl: '0s', path: '/' } }],
            maxStreamDuration: { maxStreamDuration: '0s', grpcTimeoutHeaderMax: '0s' },
          },
          typedPerFilterConfig: { 'envoy.filters.http.fault': fault },
          decorator: { operation: `demoapp.default.svc.cluster.local:8080/canary*` },
          requestHeadersToAdd: [{ header: { key: 'x-canary', value: 'true' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
          responseHeadersToRemove: ['x-internal'],
          metadata: { filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/demoapp' } } },
        },
        {
          name: 'split',
          match: { safeRegex: { regex: '/api/v[0-9]+/.*' } },
          route: {
            weightedClusters: {
              clusters: [
                { name: `outbound|8080|v10|${FQDN}`, weight: 90, requestHeadersToAdd: [{ header: { key: 'x-subset', value: 'v10' } }] },
                { name: `outbound|8080|v11|${FQDN}`, weight: 10 },
              ],
            },
            regexRewrite: { pattern: { regex: '^/api/v[0-9]+' }, substitution: '/api' },
            hostRewriteLiteral: 'demoapp.internal',
            timeout: '0.250s',
          },
        },
        { match: { path: '/old' }, redirect: { pathRedirect: '/new', hostRedirect: 'new.example.com', portRedirect: 8443, schemeRedirect: 'https', responseCode: 'PERMANENT_REDIRECT' } },
        { match: { pathSeparatedPrefix: '/healthz' }, directResponse: { status: 200, body: { inlineString: 'ok' } } },
        {
          match: { prefix: '/' },
          route: { cluster: `outbound|8080|v10|${FQDN}`, timeout: '0s', autoHostRewrite: false },
        },
      ],
    },
    {
      name: 'allow_any',
      domains: ['*'],
      routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster', timeout: '0s', maxGrpcTimeout: '0s' } }],
    },
  ],
};

/** EDS cluster with every DestinationRule traffic-policy part: ring hash, breakers, outliers, mTLS. */
export const edsCluster = {
  '@type': TypeUrl.Cluster,
  name: `outbound|8080|v11|${FQDN}`,
  altStatName: `outbound_8080_v11_${FQDN}`,
  type: 'EDS',
  edsClusterConfig: { edsConfig: ADS, serviceName: `outbound|8080|v11|${FQDN}` },
  connectTimeout: '10s',
  lbPolicy: 'RING_HASH',
  ringHashLbConfig: { minimumRingSize: '1024', maximumRingSize: 8388608 },
  circuitBreakers: {
    thresholds: [
      { priority: 'DEFAULT', maxConnections: 1, maxPendingRequests: 1, maxRequests: 4294967295, maxRetries: 4294967295, trackRemaining: true },
      { priority: 'HIGH', maxConnections: 100 },
    ],
  },
  outlierDetection: {
    consecutive5xx: 1,
    consecutiveGatewayFailure: 0,
    enforcingConsecutiveGatewayFailure: 0,
    interval: '1s',
    baseEjectionTime: '180s',
    maxEjectionPercent: 100,
    enforcingConsecutive5xx: 100,
    enforcingSuccessRate: 0,
  },
  commonLbConfig: { localityWeightedLbConfig: {}, healthyPanicThreshold: { value: 0 } },
  typedExtensionProtocolOptions: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
      commonHttpProtocolOptions: { idleTimeout: '3600s', maxRequestsPerConnection: 1 },
      explicitHttpConfig: { http2ProtocolOptions: { maxConcurrentStreams: 1073741824 } },
    },
  },
  transportSocket: {
    name: 'envoy.transport_sockets.tls',
    typedConfig: {
      '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
      commonTlsContext: {
        tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_2', tlsMaximumProtocolVersion: 'TLSv1_3' },
        tlsCertificateSdsSecretConfigs: [sds('default')],
        combinedValidationContext: {
          defaultValidationContext: { matchSubjectAltNames: [{ exact: 'spiffe://cluster.local/ns/default/sa/demoapp' }] },
          validationContextSdsSecretConfig: sds('ROOTCA'),
        },
        alpnProtocols: ['istio-peer-exchange', 'istio'],
      },
      sni: `outbound_.8080_.v11_.${FQDN}`,
    },
  },
  metadata: {
    filterMetadata: {
      istio: {
        config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/demoapp',
        services: [{ host: FQDN, name: 'demoapp', namespace: 'default' }],
        subset: 'v11',
      },
    },
  },
};

/** STRICT_DNS cluster for a DNS ServiceEntry, endpoints inline. */
export const dnsCluster = {
  '@type': TypeUrl.Cluster,
  name: 'outbound|80||ngx.hj.com',
  type: 'STRICT_DNS',
  connectTimeout: '10s',
  lbPolicy: 'LEAST_REQUEST',
  leastRequestLbConfig: { choiceCount: 2 },
  dnsLookupFamily: 'V4_ONLY',
  dnsRefreshRate: '60s',
  respectDnsTtl: true,
  loadAssignment: {
    clusterName: 'outbound|80||ngx.hj.com',
    endpoints: [
      {
        locality: { region: 'us-east', zone: 'us-east-1a' },
        lbEndpoints: [
          { endpoint: { address: { socketAddress: { address: 'ngx.hj.com', portValue: 80 } }, hostname: 'ngx.hj.com' }, loadBalancingWeight: 1 },
        ],
        loadBalancingWeight: 1,
      },
    ],
  },
  upstreamConnectionOptions: { tcpKeepalive: { keepaliveTime: 300 } },
};

/** Istio's PassthroughCluster and BlackHoleCluster. */
export const passthroughCluster = {
  '@type': TypeUrl.Cluster,
  name: 'PassthroughCluster',
  type: 'ORIGINAL_DST',
  connectTimeout: '10s',
  lbPolicy: 'CLUSTER_PROVIDED',
  originalDstLbConfig: { useHttpHeader: false },
  circuitBreakers: { thresholds: [{ maxConnections: 4294967295, maxPendingRequests: 4294967295, maxRequests: 4294967295, maxRetries: 4294967295 }] },
};
export const blackHoleCluster = { '@type': TypeUrl.Cluster, name: 'BlackHoleCluster', type: 'STATIC', connectTimeout: '10s' };

/** Maglev over a STATIC ServiceEntry. */
export const staticMaglevCluster = {
  '@type': TypeUrl.Cluster,
  name: 'outbound|80|v10|ngx.hj.com',
  type: 'STATIC',
  connectTimeout: '1s',
  lbPolicy: 'MAGLEV',
  maglevLbConfig: { tableSize: '65537' },
  loadAssignment: {
    clusterName: 'outbound|80|v10|ngx.hj.com',
    endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.1.5', portValue: 80 } } } }] }],
  },
};

/** EDS answer with two localities on two priorities, weights on both levels. */
export const loadAssignment = {
  '@type': TypeUrl.ClusterLoadAssignment,
  clusterName: `outbound|8080|v11|${FQDN}`,
  endpoints: [
    {
      locality: { region: 'us-central1', zone: 'us-central1-a', subZone: 'rack1' },
      lbEndpoints: [
        {
          endpoint: { address: { socketAddress: { address: '127.0.2.1', portValue: 8080 } } },
          healthStatus: 'HEALTHY',
          loadBalancingWeight: 3,
          metadata: { filterMetadata: { istio: { workload: 'demoapp-v11;default;demoapp;v11;Kubernetes' }, 'envoy.lb': { version: 'v11' } } },
        },
        { endpoint: { address: { socketAddress: { address: '127.0.2.2', portValue: 8080 } } }, healthStatus: 'UNHEALTHY', loadBalancingWeight: 1 },
      ],
      loadBalancingWeight: 4,
      priority: 0,
    },
    {
      locality: { region: 'us-west1', zone: 'us-west1-b' },
      lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.3.1', portValue: 8080 } } }, loadBalancingWeight: 1 }],
      loadBalancingWeight: 1,
      priority: 1,
    },
  ],
  policy: { overprovisioningFactor: 140 },
};

export const allResources = {
  httpListener,
  tcpListener,
  tlsGatewayListener,
  routeConfiguration,
  edsCluster,
  dnsCluster,
  passthroughCluster,
  blackHoleCluster,
  staticMaglevCluster,
  loadAssignment,
};
