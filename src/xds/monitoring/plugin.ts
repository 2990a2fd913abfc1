/**
 * The monitoring server as the control-plane runner plugs it in: an ADS event listener to hand to
 * the server at construction (`ads.onEvent`) and the MonitoringFactory that starts the HTTP
 * server once the control plane runs. The metrics (and prom-client) are loaded only when the
 * factory runs, so commands that never start a control plane do not pay for them; events that
 * arrive before (a proxy connecting in the instant between the two) are kept and replayed.
 *
 *   const mon = monitoringPlugin();
 *   await startControlPlane({ …, ads: { onEvent: mon.onEvent }, monitoring: mon.factory, monitoringAddress });
 */
import type { MonitoringFactory } from '../control-plane.js';
import type { AdsEvent, AdsEventListener } from '../types.js';
import type { RunningMonitoring } from './http.js';

export interface MonitoringPlugin {
  /** For AdsServerOptions.onEvent (the runner's `ads.onEvent`). */
  readonly onEvent: AdsEventListener;
  /** For ControlPlaneOptions.monitoring. */
  readonly factory: MonitoringFactory;
  /** The running server, once the factory ran. */
  running(): RunningMonitoring | undefined;
}

/** Events kept before the metrics exist; past this many, older ones are dropped. */
const MAX_PENDING = 10_000;

export function monitoringPlugin(options: { version?: string } = {}): MonitoringPlugin {
  let sink: AdsEventListener | undefined;
  let pending: AdsEvent[] = [];
  let running: RunningMonitoring | undefined;
  return {
    onEvent: (e) => {
      if (sink) {
        sink(e);
        return;
      }
      if (pending.length >= MAX_PENDING) pending.shift();
      pending.push(e);
    },
    factory: async (cp, address) => {
      const { startMonitoring } = await import('./http.js');
      running = await startMonitoring(cp, address, options);
      sink = running.metrics.onEvent;
      for (const e of pending) sink(e);
      pending = [];
      return running;
    },
    running: () => running,
  };
}
