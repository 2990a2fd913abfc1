/**
 * `trellis app NAME [--listen HOST:PORT] [--version V] [--pod-name N] [--pod-ip IP]`: runs one
 * built-in app (demoapp, proxy, httpbin, nginx, httpserver, sleep) in the foreground; the `up`
 * runner spawns it as a Deployment's app process. Defaults come from the environment as a
 * container's would: HOST, PORT, POD_NAME, POD_IP, VERSION (and PROXYURL, HTTP_PROXY, … for the
 * apps that read them); without them 127.0.0.1, the app's own port, the host name, the listen
 * address and v1.0. Prints `NAME listening on HOST:PORT` once listening (`sleep idle: no
 * listener` for sleep), stops cleanly on SIGINT or SIGTERM. Exit status: 0 after a clean stop, 1
 * when the address cannot be listened on, 2 for an unknown app or a bad flag.
 * The apps themselves live in run/apps, a layer above cli/: main.ts hands them in (`deps.apps`),
 * and nothing heavy is imported here, so an app process starts fast.
 */
import { hostname } from 'node:os';
import { Command } from 'commander';
import { TrellisError } from '../common/errors.js';
import { processSignal } from './signals.js';
import type { Io } from './main.js';

/** What `trellis app` needs of run/apps (its index module satisfies this). */
export interface BuiltinApps {
  readonly BUILTIN_APPS: readonly string[];
  defaultPort(name: never): number;
  startBuiltinApp(name: never, o: {
    host: string; port: number; version: string; podName: string; podIp: string; env: Record<string, string>;
  }): Promise<{ address: { host: string; port: number }; close(): Promise<void> }>;
}

export interface AppCommandDeps {
  apps: BuiltinApps;
  /** Resolves when the app should stop. Default: the first SIGINT or SIGTERM. */
  stopSignal?: () => Promise<string>;
  env?: NodeJS.ProcessEnv;
}

interface Options {
  listen?: string;
  version?: string;
  podName?: string;
  podIp?: string;
}

/** `HOST:PORT`, `[V6]:PORT`, `:PORT` or `PORT` (0 picks a free port). */
export function parseListen(value: string, dfltHost: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s[\]]*):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new TrellisError('E_USAGE', `--listen ${JSON.stringify(value)}: use HOST:PORT, e.g. 127.0.0.1:8080 (or just PORT)`);
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, '') : dfltHost, port };
}

function listenError(name: string, where: string, e: NodeJS.ErrnoException): string {
  const why = {
    EADDRINUSE: 'the address is already in use (stop what listens there, or give --listen HOST:PORT with a free port)',
    EACCES: 'permission denied (ports below 1024 need root here; give --listen HOST:PORT with a higher port)',
    EADDRNOTAVAIL: 'no local interface has that address (use a 127.0.0.0/8 address or one of this machine\'s)',
  }[e.code ?? ''] ?? e.message;
  return `trellis: app ${name} cannot listen on ${where}: ${why}\n`;
}

export function appCommand(io: Io, setCode: (c: number) => void, deps: AppCommandDeps): Command {
  const names = deps.apps.BUILTIN_APPS;
  return new Command('app')
    .description(`run one built-in app in the foreground (${names.join(', ')})`)
    .argument('<name>', `the app: ${names.join(', ')}`)
    .option('--listen <host:port>', 'address to listen on (default: $HOST:$PORT, else 127.0.0.1 and the app\'s own port)')
    .option('--version <v>', 'the version the app reports, as an image tag (default: $VERSION, else v1.0)')
    .option('--pod-name <name>', 'the pod name the app reports (default: $POD_NAME, else the host name)')
    .option('--pod-ip <ip>', 'the pod IP the app reports (default: $POD_IP, else the listen address)')
    .action(async (name: string, opts: Options) => {
      if (!names.includes(name)) throw new TrellisError('E_USAGE', `unknown app ${JSON.stringify(name)}: the built-in apps are ${names.join(', ')}`);
      const env = Object.fromEntries(Object.entries(deps.env ?? process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const dfltHost = env['HOST'] || '127.0.0.1';
      const listen = opts.listen
        ? parseListen(opts.listen, dfltHost)
        : parseListen(env['PORT'] || String(deps.apps.defaultPort(name as never)), dfltHost);
      const where = listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
      const o = {
        host: listen.host,
        port: listen.port,
        version: opts.version ?? (env['VERSION'] || 'v1.0'),
        podName: opts.podName ?? (env['POD_NAME'] || hostname()),
        podIp: opts.podIp ?? (env['POD_IP'] || listen.host),
        env,
      };
      let app: Awaited<ReturnType<BuiltinApps['startBuiltinApp']>>;
      try {
        app = await deps.apps.startBuiltinApp(name as never, o);
      } catch (e) {
        io.err(listenError(name, where, e as NodeJS.ErrnoException));
        setCode(1);
        return;
      }
      const stop = (deps.stopSignal ?? processSignal)();
      const a = app.address;
      io.out(a.port === 0 ? `${name} idle: no listener\n` : `${name} listening on ${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}\n`);
      const sig = await stop;
      io.out(`${sig}: stopping\n`);
      await app.close();
      io.out('stopped\n');
      setCode(0);
    });
}
