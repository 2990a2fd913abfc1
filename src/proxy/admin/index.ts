/**
 * The proxy's admin, health and Prometheus endpoints (server.ts) and their renderers.
 */
export * from './server.js';
export { renderListenersText, renderListenersJson, addressText, type StaticListener } from './listeners.js';
export { renderClustersText, renderClustersJson, hostsFromAssignment, healthFlags, type ClustersView, type HostCounters, type HostsOf } from './clusters.js';
export { configDump, AdminTypeUrl, type ConfigDumpInput } from './config-dump.js';
