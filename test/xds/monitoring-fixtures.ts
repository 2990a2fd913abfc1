/**
 * Fixtures for the monitoring tests (test/xds/monitoring*.test.ts, test/cli/proxy-status.test.ts):
 * a real control plane started in-process on 127.0.0.1 port 0 from a temporary config directory,
 * with the monitoring server plugged in as `trellis control-plane` plugs it; a raw ADS client
 * (grpc-js over adsServiceDefinition(), no part of the server mocked) whose responses queue up
 * until taken, with deadlines; and a GET helper. Everything registers its own cleanup on `t`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { DiscoveryRequest, DiscoveryResponse, Node } from '../../src/api/xds/discovery.js';
import { adsServiceDefinition } from '../../src/api/xds/index.js';
import { startControlPlane, type ControlPlane } from '../../src/xds/control-plane.js';
import { monitoringPlugin } from '../../src/xds/monitoring/plugin.js';

export interface Cleanup {
  after(fn: () => unknown): void;
}

export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

export function serviceEntry(name: string, host: string, port: number | string, address = '10.1.0.1'): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: default
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports:
  - number: ${port}
    name: http
    protocol: HTTP
  endpoints:
  - address: ${address}
`;
}

export interface TestControlPlane {
  cp: ControlPlane;
  dir: string;
  /** `127.0.0.1:PORT` of the monitoring server. */
  monitoring: string;
  /** `127.0.0.1:PORT` of the ADS server. */
  xds: string;
  write(file: string, text: string): void;
}

/** A control plane serving `files` (name → YAML) from a temporary directory, monitoring on. */
export async function startTestControlPlane(t: Cleanup, files: Record<string, string>): Promise<TestControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-mon-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  const mon = monitoringPlugin({ version: '0.0.0-test' });
  const cp = await startControlPlane({
    configDir: dir,
    xdsAddress: '127.0.0.1:0',
    monitoringAddress: '127.0.0.1:0',
    monitoring: mon.factory,
    ads: { onEvent: mon.onEvent, debounceMs: 10, debounceMaxMs: 50 },
  });
  t.after(() => cp.close());
  if (cp.monitoringPort === undefined) throw new Error('the monitoring server did not start');
  return {
    cp, dir,
    monitoring: `127.0.0.1:${cp.monitoringPort}`,
    xds: cp.xdsAddress,
    write: (file, text) => writeFileSync(join(dir, file), text),
  };
}

/** GET `path` on `address`; status and body. */
export function httpGet(address: string, path: string, ms = 5000): Promise<{ status: number; body: string; type: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return deadline(new Promise((resolve, reject) => {
    get({ host, port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    }).on('error', reject);
  }), ms, `GET ${address}${path}`);
}

export async function getJson<T = unknown>(address: string, path: string): Promise<T> {
  const r = await httpGet(address, path);
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body}`);
  return JSON.parse(r.body) as T;
}

type AdsStub = grpc.Client & { StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> };

/** One raw SotW ADS stream acting as the proxy `node`. */
export class AdsTestClient {
  private readonly client: AdsStub;
  private readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private readonly queue: DiscoveryResponse[] = [];
  private waiter: ((r: DiscoveryResponse) => void) | undefined;
  private first = true;
  /** Names subscribed per type (ACKs and NACKs repeat them, as clients do). */
  private readonly subs = new Map<string, string[]>();

  constructor(t: Cleanup, address: string, readonly node: Node) {
    const Ctor = grpc.makeClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
    this.client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as AdsStub;
    this.call = this.client.StreamAggregatedResources();
    this.call.on('data', (r: DiscoveryResponse) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(r);
      } else this.queue.push(r);
    });
    this.call.on('error', () => {});
    t.after(() => this.close());
  }

  send(req: DiscoveryRequest): void {
    this.call.write(this.first ? { node: this.node, ...req } : req);
    this.first = false;
  }

  next(what: string, ms = 5000): Promise<DiscoveryResponse> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return deadline(new Promise<DiscoveryResponse>((resolve) => { this.waiter = resolve; }), ms, what).finally(() => { this.waiter = undefined; });
  }

  /** Subscribes to a type and returns the first response. */
  async request(typeUrl: string, resourceNames?: string[]): Promise<DiscoveryResponse> {
    if (resourceNames) this.subs.set(typeUrl, resourceNames);
    this.send({ typeUrl, ...(resourceNames ? { resourceNames } : {}) });
    const r = await this.next(`the first response for ${typeUrl}`);
    if (r.typeUrl !== typeUrl) throw new Error(`expected ${typeUrl}, got ${r.typeUrl}`);
    return r;
  }

  ack(r: DiscoveryResponse): void {
    const resourceNames = this.subs.get(r.typeUrl ?? '');
    this.send({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, ...(resourceNames ? { resourceNames } : {}) });
  }

  /** Rejects `r`, saying `acceptedVersion` (the last version accepted) is kept. */
  nack(r: DiscoveryResponse, message: string, acceptedVersion = ''): void {
    const resourceNames = this.subs.get(r.typeUrl ?? '');
    this.send({
      typeUrl: r.typeUrl, versionInfo: acceptedVersion, responseNonce: r.nonce, errorDetail: { code: 3, message },
      ...(resourceNames ? { resourceNames } : {}),
    });
  }

  /** ACKs every response until none arrives for `quietMs`; returns them (first one within `firstMs`). */
  async ackAll(what: string, firstMs = 5000, quietMs = 300): Promise<DiscoveryResponse[]> {
    const out = [await this.next(what, firstMs)];
    this.ack(out[0]!);
    for (;;) {
      const more = await this.drain(quietMs);
      if (more.length === 0) return out;
      for (const r of more) {
        this.ack(r);
        out.push(r);
      }
    }
  }

  /** Responses that arrive within `ms` (they are taken). */
  async drain(ms: number): Promise<DiscoveryResponse[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.splice(0);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

export const names = (r: DiscoveryResponse): string[] =>
  (r.resources ?? []).map((x) => String((x as { name?: string }).name ?? (x as { clusterName?: string }).clusterName));

/** Polls `fn` until it returns a value that is not undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
