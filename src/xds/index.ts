/**
 * The ADS server (Envoy's Aggregated Discovery Service, SotW and Delta) and its contract: see
 * types.ts for what callers provide and get, server.ts for the behaviour.
 */
export * from './types.js';
export { AdsServer, DEFAULT_DEBOUNCE_MAX_MS, DEFAULT_DEBOUNCE_MS, DEFAULT_PUSH_CONCURRENCY, isEndpointsOnly } from './server.js';
export { defaultGenerators, PUSH_ORDER, resourceName } from './generators.js';
export { silentLogger, stderrLogger, systemClock } from './clock.js';
export { Debouncer, type DebouncedChange } from './debounce.js';
export { PushQueue } from './push-queue.js';
export { bindAds, listenAds } from './grpc.js';
