/**
 * The messages between the ADS benchmark (bench/ads.ts, the control plane's process) and its
 * client process (bench/ads/clients.ts) over Node's IPC channel. Times are epoch milliseconds
 * with sub-millisecond precision (`performance.timeOrigin + performance.now()`), comparable
 * across the two processes of one machine. Types only.
 */

/** One simulated sidecar: its node as it announces itself. */
export interface ClientNode {
  id: string;
  metadata: Record<string, unknown>;
}

/** Parent → child. */
export type ToClients =
  | { type: 'start'; address: string; nodes: ClientNode[]; connections: number }
  /** Asks for the process's CPU time so far (answered with `cpu`). */
  | { type: 'cpu' }
  | { type: 'stop' };

/** One ACK sent: stream index, type index in TYPE_URLS, version acked, time sent, size of the response acked. */
export type AckRecord = [stream: number, type: number, version: string, at: number, bytes: number];

/** Child → parent. */
export type FromClients =
  /** Every `ackBatchMs` (and at once when asked): the ACKs sent since the last batch. */
  | { type: 'acks'; acks: AckRecord[] }
  /** Streams that ACKed all four types with nothing outstanding; sent when it changes. */
  | { type: 'synced'; synced: number; total: number }
  /** A stream ended or failed (the benchmark reports and stops). */
  | { type: 'error'; stream: number; message: string }
  /** CPU time (user + system) the client process has used, in ms, after the ACKs reported so far. */
  | { type: 'cpu'; ms: number }
  | { type: 'stopped' };

export const TYPE_URLS = [
  'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  'type.googleapis.com/envoy.config.listener.v3.Listener',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
] as const;

export const [CDS, EDS, LDS, RDS] = TYPE_URLS;

export function now(): number {
  return performance.timeOrigin + performance.now();
}
