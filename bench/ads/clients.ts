/**
 * The ADS benchmark's client process: opens one StreamAggregatedResources stream per simulated
 * sidecar (node ids and metadata from the parent), spread over `connections` gRPC channels (one
 * TCP connection each; by default one per sidecar, as real proxies have). Each stream behaves
 * like Envoy's SotW ADS client: it subscribes to CDS and LDS (wildcard), then to EDS for the EDS
 * clusters received and RDS for the route configurations the listeners name, and ACKs every
 * response at once (with the names it is subscribed to). Responses are decoded lazily: only the
 * envelope (version, nonce, type), plus, in CDS and LDS, the names EDS and RDS must subscribe to
 * (names.ts). ACKs are encoded by hand. Channels use a 16 MiB HTTP/2 window (Envoy's default is
 * 256 MiB). Every ACK is reported to the parent (stream, type, version, time sent) in batches
 * over IPC, and so is the number of fully synced streams; the parent may ask for the CPU time.
 *
 * Run only by bench/ads.ts (child_process.fork with an IPC channel).
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { adsServiceDefinition } from '../../src/api/xds/index.js';
import type { DiscoveryRequest } from '../../src/api/xds/discovery.js';
import { clusterEdsName, listenerRdsNames } from './names.js';
import { CDS, EDS, LDS, RDS, TYPE_URLS, now, type AckRecord, type ClientNode, type FromClients, type ToClients } from './protocol.js';

/** The envelope of a DiscoveryResponse as protobufjs decodes it (keepCase), resources still packed. */
interface RawResponse {
  /** Encoded size (set by the deserializer). */
  bytes: number;
  version_info: string;
  type_url: string;
  nonce: string;
  /** For CDS and LDS: the EDS or RDS names the resources name (names.ts). */
  names?: string[];
}

const ACK_BATCH_MS = 5;
const NO_NAMES: string[] = [];

function send(m: FromClients): void {
  process.send?.(m);
}

/** The value (2) of a google.protobuf.Any. */
function anyValue(any: Uint8Array): Uint8Array {
  const r = protobuf.Reader.create(any);
  let value: Uint8Array = new Uint8Array();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 18) value = r.bytes();
    else r.skipType(tag & 7);
  }
  return value;
}

/**
 * The envelope of a DiscoveryResponse (version_info = 1, type_url = 4, nonce = 5); the resources
 * (2) are read only for CDS and LDS, and only for the names of the EDS and RDS subscriptions
 * (names.ts). A real Envoy decodes everything, but in a process (and on cores) of its own.
 */
function decodeResponse(b: Buffer): RawResponse {
  const r = protobuf.Reader.create(b);
  const out: RawResponse = { bytes: b.length, version_info: '', type_url: '', nonce: '' };
  const packed: Uint8Array[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: out.version_info = r.string(); break;
      case 2: packed.push(r.bytes()); break;
      case 4: out.type_url = r.string(); break;
      case 5: out.nonce = r.string(); break;
      default: r.skipType(tag & 7);
    }
  }
  if (out.type_url === CDS) {
    out.names = [];
    for (const p of packed) {
      const n = clusterEdsName(anyValue(p));
      if (n !== undefined) out.names.push(n);
    }
  } else if (out.type_url === LDS) {
    const names = new Set<string>();
    for (const p of packed) listenerRdsNames(anyValue(p), names);
    out.names = [...names];
  }
  return out;
}

/** Encoded resource_names (field 3) by names list: a stream ACKs with the same list until it changes. */
const namesBytes = new WeakMap<readonly string[], Uint8Array>();

/**
 * A DiscoveryRequest as bytes. An ACK (no node, no error) is written by hand, its resource
 * names encoded once per list: the generic codec checks every field of every ACK against the
 * protos, which at a thousand streams ACKing 185 EDS names each costs the client more than
 * the responses do. Anything else goes through `general`.
 */
function encodeRequest(general: (r: DiscoveryRequest) => Buffer): (r: DiscoveryRequest) => Buffer {
  return (r) => {
    if (r.node || r.errorDetail) return general(r);
    const names = r.resourceNames ?? [];
    let nb = namesBytes.get(names);
    if (!nb) {
      const w = protobuf.Writer.create();
      for (const n of names) w.uint32(26).string(n);
      namesBytes.set(names, (nb = w.finish()));
    }
    const w = protobuf.Writer.create();
    if (r.versionInfo) w.uint32(10).string(r.versionInfo);
    if (r.typeUrl) w.uint32(34).string(r.typeUrl);
    if (r.responseNonce) w.uint32(42).string(r.responseNonce);
    return Buffer.concat([w.finish(), nb]);
  };
}

/** adsServiceDefinition() with a response deserializer that leaves resources packed and a cheap ACK serializer. */
function clientDefinition(): grpc.ServiceDefinition {
  const def = adsServiceDefinition();
  const m = def.StreamAggregatedResources as unknown as grpc.MethodDefinition<DiscoveryRequest, unknown>;
  return {
    StreamAggregatedResources: { ...m, requestSerialize: encodeRequest((r) => m.requestSerialize(r)), responseDeserialize: decodeResponse },
  } as unknown as grpc.ServiceDefinition;
}

type AdsStub = grpc.Client & { StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, RawResponse> };

let pendingAcks: AckRecord[] = [];
let ackTimer: NodeJS.Timeout | undefined;
function flushAcks(): void {
  if (ackTimer) clearTimeout(ackTimer);
  ackTimer = undefined;
  if (pendingAcks.length === 0) return;
  const acks = pendingAcks;
  pendingAcks = [];
  send({ type: 'acks', acks });
}

function reportAck(r: AckRecord): void {
  pendingAcks.push(r);
  ackTimer ??= setTimeout(flushAcks, ACK_BATCH_MS);
}

let syncedCount = 0;
let syncedReported = -1;
let syncTimer: NodeJS.Timeout | undefined;
let total = 0;
function reportSynced(): void {
  syncTimer ??= setTimeout(() => {
    syncTimer = undefined;
    if (syncedCount !== syncedReported) {
      syncedReported = syncedCount;
      send({ type: 'synced', synced: syncedCount, total });
    }
  }, 20);
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

class Stream {
  private call: grpc.ClientDuplexStream<DiscoveryRequest, RawResponse> | undefined;
  private readonly acked = new Map<string, string>();
  private readonly lastNonce = new Map<string, string>();
  /** Types with a request not yet answered. */
  private readonly outstanding = new Set<string>();
  private edsNames: string[] = [];
  private rdsNames: string[] = [];
  private synced = false;
  private closing = false;

  constructor(private readonly index: number, private readonly node: ClientNode, private readonly stub: AdsStub) {}

  start(): void {
    const call = this.stub.StreamAggregatedResources();
    this.call = call;
    call.on('data', (r: RawResponse) => this.onResponse(r));
    call.on('error', (e: Error) => {
      if (!this.closing) send({ type: 'error', stream: this.index, message: e.message });
    });
    call.on('end', () => {
      if (!this.closing) send({ type: 'error', stream: this.index, message: 'stream ended by the server' });
    });
    this.request({ node: this.node, typeUrl: CDS });
    this.request({ typeUrl: LDS });
  }

  close(): void {
    this.closing = true;
    this.call?.cancel();
  }

  private request(r: DiscoveryRequest): void {
    this.outstanding.add(r.typeUrl!);
    this.call!.write(r);
  }

  private onResponse(r: RawResponse): void {
    const typeUrl = r.type_url;
    this.outstanding.delete(typeUrl);
    this.lastNonce.set(typeUrl, r.nonce);
    let follow: DiscoveryRequest | undefined;
    if (typeUrl === CDS) {
      const names = r.names ?? [];
      if (!sameNames(names, this.edsNames)) {
        this.edsNames = names;
        follow = { typeUrl: EDS, resourceNames: names, versionInfo: this.acked.get(EDS) ?? '', responseNonce: this.lastNonce.get(EDS) ?? '' };
      }
    } else if (typeUrl === LDS) {
      const names = r.names ?? [];
      if (!sameNames(names, this.rdsNames)) {
        this.rdsNames = names;
        follow = { typeUrl: RDS, resourceNames: names, versionInfo: this.acked.get(RDS) ?? '', responseNonce: this.lastNonce.get(RDS) ?? '' };
      }
    }
    const resourceNames = typeUrl === EDS ? this.edsNames : typeUrl === RDS ? this.rdsNames : NO_NAMES;
    this.call!.write({ typeUrl, versionInfo: r.version_info, responseNonce: r.nonce, resourceNames });
    this.acked.set(typeUrl, r.version_info);
    reportAck([this.index, TYPE_URLS.indexOf(typeUrl as (typeof TYPE_URLS)[number]), r.version_info, now(), r.bytes]);
    if (follow) this.request(follow);
    const synced = this.outstanding.size === 0 && TYPE_URLS.every((t) => this.acked.has(t));
    if (synced !== this.synced) {
      this.synced = synced;
      syncedCount += synced ? 1 : -1;
      reportSynced();
    }
  }
}

const streams: Stream[] = [];
const clients: grpc.Client[] = [];

function start(address: string, nodes: readonly ClientNode[], connections: number): void {
  total = nodes.length;
  const Ctor = grpc.makeClientConstructor(clientDefinition(), 'AggregatedDiscoveryService');
  const n = Math.max(1, Math.min(connections, nodes.length));
  for (let i = 0; i < n; i++) {
    // A local subchannel pool per channel: each channel gets its own TCP connection.
    clients.push(new Ctor(address, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
      'grpc.keepalive_time_ms': 300_000,
      // Envoy's HTTP/2 windows are 256 MiB by default: do not stall large responses on 64 KiB
      'grpc-node.flow_control_window': 16 * 1024 * 1024,
    }));
  }
  nodes.forEach((node, i) => {
    const s = new Stream(i, node, clients[i % n] as AdsStub);
    streams.push(s);
    s.start();
  });
}

process.on('message', (m: ToClients) => {
  if (m.type === 'start') start(m.address, m.nodes, m.connections);
  else if (m.type === 'cpu') {
    flushAcks();
    const u = process.cpuUsage();
    send({ type: 'cpu', ms: (u.user + u.system) / 1000 });
  } else if (m.type === 'stop') {
    for (const s of streams) s.close();
    for (const c of clients) c.close();
    send({ type: 'stopped' });
    setTimeout(() => process.exit(0), 50);
  }
});
process.on('disconnect', () => process.exit(0));
