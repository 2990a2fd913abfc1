/**
 * The control-plane runner: config store → snapshot → ADS server. Starts the store (a watched
 * directory, or any ConfigStore handed in), builds the snapshot from the accepted objects,
 * rebuilds it on every accepted change (reusing the registry when no registry kind changed) and
 * offers it to the ADS server as its SnapshotSource, with the changed kinds, or {'endpoints'}
 * when only endpoints changed (control-plane-changes.ts). Logs one line per accepted change and
 * per rejected object or document (file:line, object, field). A failure to build a snapshot is
 * logged and the previous snapshot stays in effect. The monitoring endpoints are plugged in by
 * the caller (`monitoring`), so this module does not depend on them.
 */
import { FileDirStore } from '../config/store/file-dir.js';
import { formatChange, formatProblem } from '../config/store/format.js';
import type { ConfigStore, StoreEvent, StoreProblem } from '../config/store/types.js';
import { grpcGenerators } from '../compile/grpc/index.js';
import { buildSnapshot, rebuildSnapshot, type SnapshotOptions } from '../model/snapshot.js';
import type { Snapshot } from '../model/types.js';
import { silentLogger, systemClock } from './clock.js';
import { pushChange } from './control-plane-changes.js';
import { AdsServer } from './server.js';
import type { AdsServerOptions, Clock, Logger, SnapshotChange, SnapshotSource } from './types.js';

export const DEFAULT_XDS_ADDRESS = '127.0.0.1:15010';
export const DEFAULT_MONITORING_ADDRESS = '127.0.0.1:15014';

/** The monitoring server (debug endpoints, metrics) as the runner sees it. */
export interface MonitoringServer {
  port: number;
  close(): Promise<void>;
}

/** Starts the monitoring server on `address` for a running control plane. */
export type MonitoringFactory = (cp: ControlPlane, address: string) => Promise<MonitoringServer>;

export interface ControlPlaneOptions {
  /** Directory of YAML to load and watch. Either this or `store`. */
  configDir?: string;
  /** Read `configDir`'s sub-directories too (`-R`). Default false. */
  recursive?: boolean;
  /** A store to serve from instead (memory store: tests, benchmarks). Started and closed here. */
  store?: ConfigStore;
  /** `HOST:PORT`; port 0 picks a free port (see `xdsPort`). Default 127.0.0.1:15010. */
  xdsAddress?: string;
  /** Where `monitoring` listens; nothing is started without both. */
  monitoringAddress?: string;
  monitoring?: MonitoringFactory;
  clock?: Clock;
  logger?: Logger;
  /** Snapshot options (outbound traffic policy, built-in gateways, DNS results). */
  snapshot?: SnapshotOptions;
  /** ADS server options other than the source, clock and logger (debounce, events, generators). */
  ads?: Omit<AdsServerOptions, 'source' | 'clock' | 'logger'>;
  /** Namespace of objects in `configDir` that set none. Default `default`. */
  defaultNamespace?: string;
}

/** Could not listen on an address (in use, not local, malformed). */
export class ListenError extends Error {
  readonly code = 'E_LISTEN';
  constructor(readonly address: string, readonly what: string, cause: unknown) {
    super(`cannot listen for ${what} on ${address}: ${describeListenError(cause)}`);
    this.name = 'ListenError';
  }
}

function describeListenError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/EADDRINUSE|address already in use/i.test(msg)) return 'address already in use (is another control plane running?)';
  if (/EADDRNOTAVAIL/i.test(msg)) return 'address not available on this machine';
  if (/EACCES/i.test(msg)) return 'permission denied (ports below 1024 need privileges)';
  return msg;
}

export interface ControlPlane {
  /** The port the ADS server listens on (the actual one when asked for port 0). */
  readonly xdsPort: number;
  readonly xdsAddress: string;
  readonly monitoringPort?: number;
  readonly store: ConfigStore;
  readonly server: AdsServer;
  readonly source: SnapshotSource;
  /** The snapshot in effect. */
  snapshot(): Snapshot;
  /** Stops the ADS server (ending streams), the monitoring server and the store. Idempotent. */
  close(): Promise<void>;
}

/** A SnapshotSource fed by the store: rebuilds on accepted changes and tells subscribers. */
class StoreSnapshotSource implements SnapshotSource {
  private snap: Snapshot;
  private readonly fns = new Set<(c: SnapshotChange) => void>();

  constructor(private readonly store: ConfigStore, private readonly opts: SnapshotOptions, private readonly logger: Logger) {
    this.snap = buildSnapshot(store.list().map((o) => o.raw), opts);
  }

  current(): Snapshot {
    return this.snap;
  }

  subscribe(fn: (c: SnapshotChange) => void): () => void {
    this.fns.add(fn);
    return () => { this.fns.delete(fn); };
  }

  /** Called with each store event that changed accepted objects. */
  update(event: StoreEvent): void {
    const before = this.snap;
    let after: Snapshot;
    try {
      after = rebuildSnapshot(before, event.objects.map((o) => o.raw), event.changed, this.opts);
    } catch (e) {
      this.logger.error(`config: cannot build the snapshot; the previous one (${before.version}) stays in effect: ${(e as Error).stack ?? String(e)}`);
      return;
    }
    this.snap = after;
    const change: SnapshotChange = { snapshot: after, ...pushChange(event.changed, before, after) };
    for (const fn of [...this.fns]) {
      try {
        fn(change);
      } catch (e) {
        this.logger.error(`config: a snapshot subscriber failed: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }
}

function logProblems(logger: Logger, problems: readonly StoreProblem[]): void {
  for (const p of problems) {
    const line = `config: ${formatProblem(p)}`;
    if (p.severity === 'error') logger.error(line);
    else logger.warn(line);
  }
}

function logEvent(logger: Logger, e: StoreEvent): void {
  for (const c of e.changes) logger.info(`config: ${formatChange(c)}`);
  logProblems(logger, e.problems);
}

function portOf(address: string, port: number): string {
  const i = address.lastIndexOf(':');
  return `${i < 0 ? address : address.slice(0, i)}:${port}`;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const xdsAddress = options.xdsAddress ?? DEFAULT_XDS_ADDRESS;
  if (!options.store && !options.configDir) throw new Error('startControlPlane: give configDir or store');
  const store = options.store ?? new FileDirStore({
    dir: options.configDir!, recursive: options.recursive, clock, defaultNamespace: options.defaultNamespace, log: (m) => logger.warn(m),
  });
  await store.start(); // a missing directory throws TrellisError(E_READ)

  const objects = store.list();
  const problems = store.problems();
  const rejected = problems.filter((p) => p.severity === 'error').length;
  logger.info(`config: loaded ${objects.length} object(s)${options.configDir ? ` from ${options.configDir}` : ''}${rejected ? `; ${rejected} problem(s), left out:` : ''}`);
  logProblems(logger, problems);

  let source: StoreSnapshotSource;
  try {
    source = new StoreSnapshotSource(store, options.snapshot ?? {}, logger);
  } catch (e) {
    await store.close();
    throw e;
  }
  const unsubscribe = store.subscribe((e) => {
    logEvent(logger, e);
    if (e.changed.size > 0) source.update(e);
  });

  const server = new AdsServer({
    generatorsByName: { grpc: grpcGenerators },
    ...options.ads,
    source,
    clock,
    logger,
  });
  let xdsPort: number;
  try {
    xdsPort = (await server.listen(xdsAddress)).port;
  } catch (e) {
    unsubscribe();
    await server.close();
    await store.close();
    throw new ListenError(xdsAddress, 'xDS', e);
  }

  let monitoring: MonitoringServer | undefined;
  let closing: Promise<void> | undefined;
  const cp: ControlPlane = {
    xdsPort,
    xdsAddress: portOf(xdsAddress, xdsPort),
    get monitoringPort() { return monitoring?.port; },
    store,
    server,
    source,
    snapshot: () => source.current(),
    close: () => {
      closing ??= (async () => {
        unsubscribe();
        await Promise.all([server.close(), monitoring?.close()]);
        await store.close();
      })();
      return closing;
    },
  };
  if (options.monitoring && options.monitoringAddress) {
    try {
      monitoring = await options.monitoring(cp, options.monitoringAddress);
    } catch (e) {
      await cp.close();
      throw new ListenError(options.monitoringAddress, 'monitoring', e);
    }
  }
  logger.debug(`xds: serving snapshot ${source.current().version} (${objects.length} objects, ${objectsByKind(objects.map((o) => o.raw))})`);
  return cp;
}

function objectsByKind(objects: readonly { kind: string; metadata: { namespace: string; name: string } }[]): string {
  const n = new Map<string, number>();
  for (const o of objects) n.set(o.kind, (n.get(o.kind) ?? 0) + 1);
  return [...n].map(([k, c]) => `${c} ${k}`).join(', ') || 'none';
}
