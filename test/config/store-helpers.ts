/**
 * Shared by the config store tests: the fake clock (test/helpers/fake-clock.ts, from 0 ms), YAML
 * builders, and a bounded wait for file-system events.
 */
export { FakeClock } from '../helpers/fake-clock.js';

export function virtualService(name: string, host: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: default
spec:
  hosts: [${host}]
  http:
  - route:
    - destination:
        host: ${host}
${extra}`;
}

export function workloadEntry(name: string, address: string): string {
  return `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: default
spec:
  address: ${address}
  labels:
    app: echo
`;
}

/** Waits (real time, bounded) until `cond()` holds. */
export async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
