/**
 * The shapes shared by the built-in apps and their callers (the `up` runner, `trellis app`):
 * what an app is started with and what a running app hands back. Types only; index.ts
 * re-exports them as the public contract.
 */
import type { Clock, Random } from '../../common/clock.js';

export type BuiltinAppName = 'demoapp' | 'proxy' | 'httpbin' | 'nginx' | 'httpserver' | 'sleep';

export interface BuiltinAppOptions {
  /** Address to listen on (the app's own loopback address). */
  host: string;
  /** Port to listen on (the container port; PORT env). 0 picks a free port. */
  port: number;
  /** The image tag (`v1.0`, `latest`). */
  version: string;
  /** The pod name: demoapp's ServerName, the hostname the apps report. */
  podName: string;
  /** The pod IP the app reports (demoapp's ServerIP); may differ from `host` (explicit mode). */
  podIp: string;
  /** Container env: PROXYURL, HTTP_PROXY/http_proxy (through the sidecar), NO_PROXY, … */
  env: Record<string, string>;
  /** Time for delays and the proxy's "Took N milliseconds" (default: the real clock). */
  clock?: Clock;
  /** Randomness for httpbin's `/status/200,503` (default: Math.random). */
  random?: Random;
}

export interface RunningApp {
  /** Where the app listens (port 0 for `sleep`, which has no listener). */
  address: { host: string; port: number };
  /** Stops listening and ends every connection, in flight or idle. */
  close(): Promise<void>;
}
