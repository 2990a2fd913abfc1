/**
 * `sleep` (Istio's samples/sleep, an idle client to exec curl from): listens nowhere and stays
 * alive until closed. A ref'd timer keeps the process up; close() clears it.
 */
import type { BuiltinAppOptions, RunningApp } from './types.js';

export function startSleep(o: BuiltinAppOptions): Promise<RunningApp> {
  const timer = setInterval(() => {}, 1 << 30);
  return Promise.resolve({
    address: { host: o.host, port: 0 },
    close: async () => clearInterval(timer),
  });
}
