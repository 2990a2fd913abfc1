/**
 * `trellis control-plane --config DIR [--xds-address 127.0.0.1:15010] [--monitoring-address
 * 127.0.0.1:15014]`: serves the config in DIR (watched) over ADS until SIGINT or SIGTERM.
 *
 * Prints `xds listening on HOST:PORT` (the actual port when asked for port 0) and, if a monitoring
 * server is plugged in, `monitoring listening on HOST:PORT`; then one line per accepted config
 * change on stdout and one per rejected object or document on stderr (file:line, object, field).
 * Exit status: 0 after a clean stop, 1 when an address cannot be listened on (a message, not a
 * stack trace), 2 for a missing or unreadable DIR or a bad flag.
 */
import { processSignal } from './signals.js';
import { Command } from 'commander';
import { setLogger as setGrpcLogger } from '@grpc/grpc-js';
import { TrellisError } from '../common/errors.js';
import {
  DEFAULT_MONITORING_ADDRESS, DEFAULT_XDS_ADDRESS, ListenError, startControlPlane, type MonitoringFactory,
} from '../xds/control-plane.js';
import type { AdsEventListener, Logger } from '../xds/types.js';
import type { Io } from './main.js';

export interface ControlPlaneCommandDeps {
  /** Starts the monitoring server (debug endpoints, metrics); absent: none is started. */
  monitoring?: MonitoringFactory;
  /** The ADS server's event listener (the monitoring plugin's, for metrics). */
  events?: AdsEventListener;
  /** Resolves when the command should stop. Default: the first SIGINT or SIGTERM. */
  stopSignal?: () => Promise<string>;
}

interface Options {
  config?: string;
  recursive?: boolean;
  xdsAddress: string;
  monitoringAddress: string;
  verbose?: boolean;
}

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/;

function checkAddress(flag: string, value: string): void {
  const m = ADDRESS.exec(value);
  if (!m || Number(m[2]) > 65535) throw new TrellisError('E_USAGE', `${flag} ${JSON.stringify(value)}: use HOST:PORT, e.g. 127.0.0.1:15010 (port 0 picks a free port)`);
}

function ioLogger(io: Io, verbose: boolean): Logger {
  const line = (msg: string, fields?: Record<string, unknown>) => `${msg}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}\n`;
  return {
    debug: (msg, fields) => { if (verbose) io.out(line(msg, fields)); },
    info: (msg, fields) => io.out(line(msg, fields)),
    warn: (msg, fields) => io.err(line(msg, fields)),
    error: (msg, fields) => io.err(line(msg, fields)),
  };
}

/**
 * grpc-js logs its own errors to the console; route them through `io`, without the line it
 * prints when a port is taken (the command says that itself, more clearly).
 */
function routeGrpcLogs(io: Io): void {
  const write = (level: string) => (message?: unknown, ...rest: unknown[]) => {
    const text = [message, ...rest].map(String).join(' ');
    if (/No address added out of total/.test(text)) return;
    io.err(`grpc ${level}: ${text}\n`);
  };
  setGrpcLogger({ error: write('error'), info: write('info'), debug: write('debug') });
}

export function controlPlaneCommand(io: Io, setCode: (c: number) => void, deps: ControlPlaneCommandDeps = {}): Command {
  return new Command('control-plane')
    .description('serve the config in a directory (watched) to proxies over xDS (ADS)')
    .option('--config <dir>', 'directory of Istio and Kubernetes YAML (its own files), watched')
    .option('-R, --recursive', 'read and watch the sub-directories of DIR too')
    .option('--xds-address <host:port>', 'where to serve xDS (ADS over gRPC); port 0 picks a free port', DEFAULT_XDS_ADDRESS)
    .option('--monitoring-address <host:port>', 'where to serve /debug and /metrics', DEFAULT_MONITORING_ADDRESS)
    .option('-v, --verbose', 'also log connections and pushes')
    .action(async (opts: Options) => {
      if (!opts.config) throw new TrellisError('E_USAGE', 'give the config directory with --config DIR');
      checkAddress('--xds-address', opts.xdsAddress);
      checkAddress('--monitoring-address', opts.monitoringAddress);
      routeGrpcLogs(io);
      let cp;
      try {
        cp = await startControlPlane({
          configDir: opts.config,
          recursive: opts.recursive === true,
          xdsAddress: opts.xdsAddress,
          monitoringAddress: opts.monitoringAddress,
          monitoring: deps.monitoring,
          ...(deps.events ? { ads: { onEvent: deps.events } } : {}),
          logger: ioLogger(io, opts.verbose === true),
        });
      } catch (e) {
        if (e instanceof ListenError) {
          io.err(`trellis: ${e.message}\n`);
          setCode(1);
          return;
        }
        throw e; // TrellisError(E_READ) for a missing directory: exit 2
      }
      const stop = (deps.stopSignal ?? processSignal)();
      io.out(`xds listening on ${cp.xdsAddress}\n`);
      if (cp.monitoringPort !== undefined) {
        const host = opts.monitoringAddress.slice(0, opts.monitoringAddress.lastIndexOf(':'));
        io.out(`monitoring listening on ${host}:${cp.monitoringPort}\n`);
      }
      const sig = await stop;
      io.out(`${sig}: stopping\n`);
      await cp.close();
      io.out('stopped\n');
      setCode(0);
    });
}
