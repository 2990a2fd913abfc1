/**
 * The control plane's monitoring address (istiod's 15014): debug endpoints (`/debug/syncz`,
 * `/debug/config_dump`), Prometheus `/metrics` and `/ready`. `monitoringPlugin()` is how the
 * runner and `trellis control-plane` plug it in; the rest is for tests and tools.
 */
export { monitoringPlugin, type MonitoringPlugin } from './plugin.js';
export { startMonitoring, trellisVersion, DEBUG_ENDPOINTS, type MonitoredControlPlane, type MonitoringOptions, type RunningMonitoring } from './http.js';
export { splitAddress, joinAddress } from './address.js';
export { ControlPlaneMetrics, metricType, type MetricsSource } from './metrics.js';
export { syncz, syncStatus, findProxy, istioProxyId, standingNack, SYNCZ_PREFIX, type SyncStatus, type ResourceSyncStatus, type SyncNack, type ProxyLookup } from './syncz.js';
export { envoyConfigDump, configFromDump, ConfigDumpShapeError, AdminTypeUrl, type EnvoyConfigDump, type DumpedConfig } from './config-dump.js';
