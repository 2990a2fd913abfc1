/**
 * Live readiness of the workloads of a running mesh, as `trellis status` and the `up` table
 * show it: a workload is ready when its proxy answers `POD_IP:15021/healthz/ready` with 200 (it
 * has its first configuration) and each of its apps accepts a TCP connection on its address and
 * port (an app without a listener, such as `sleep`, when its process is alive). Probes are
 * bounded in time and never throw.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { isAlive, type WorkloadState } from './state-file.js';

export const HEALTH_PORT = 15021;
const PROBE_TIMEOUT_MS = 1000;

/** GET http://HOST:PORT/PATH answers 200 within the timeout. */
export function httpReady(host: string, port: number, path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A TCP connection to HOST:PORT opens within the timeout. */
export function tcpOpen(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function workloadReady(w: WorkloadState, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  if (w.problem) return false;
  const checks: Promise<boolean>[] = [];
  if (w.proxy) checks.push(w.proxy.state === 'running' ? httpReady(w.podIp, HEALTH_PORT, '/healthz/ready', timeoutMs) : Promise.resolve(false));
  for (const a of w.apps) {
    if (a.state !== 'running') checks.push(Promise.resolve(false));
    else if (a.port) checks.push(tcpOpen(w.appAddress, a.port, timeoutMs));
    else checks.push(Promise.resolve(isAlive(a.pid)));
  }
  return (await Promise.all(checks)).every(Boolean);
}

/** Readiness of every workload, probed concurrently, in the order given. */
export function readiness(workloads: readonly WorkloadState[], timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean[]> {
  return Promise.all(workloads.map((w) => workloadReady(w, timeoutMs)));
}
