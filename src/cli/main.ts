/**
 * The `trellis` command: builds the command tree (one file per subcommand) and maps failures to
 * exit statuses: 0 ok, 1 findings (invalid config, analysis errors), 2 usage or unreadable input.
 * Nothing here knows about config semantics; subcommands call into `config/` and friends.
 * Subcommands load lazily: `trellis validate` must not pay for gRPC, protobuf and the compiler,
 * so only the named subcommand's module is imported (all of them for help or an unknown name).
 * This table is also where the layers above cli/ are plugged in, lazily, as dependencies of the
 * commands that need them (the data plane for `proxy`, run/'s apps and runner for `app`, `up`).
 */
import { Command, CommanderError } from 'commander';
import { TrellisError } from '../common/errors.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  stdin?: () => string;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

type CommandFactory = (io: Io, setCode: (c: number) => void) => Command;

const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  validate: async () => (await import('./validate.js')).validateCommand,
  analyze: async () => (await import('./analyze.js')).analyzeCommand,
  'proxy-config': async () => (await import('./proxy-config.js')).proxyConfigCommand,
  explain: async () => (await import('./explain.js')).explainCommand,
  'control-plane': async () => {
    const [{ controlPlaneCommand }, { monitoringPlugin }] = await Promise.all([
      import('./control-plane.js'),
      import('../xds/monitoring/plugin.js'),
    ]);
    return (io, setCode) => {
      const monitoring = monitoringPlugin();
      return controlPlaneCommand(io, setCode, { monitoring: monitoring.factory, events: monitoring.onEvent });
    };
  },
  'proxy-status': async () => (await import('./proxy-status.js')).proxyStatusCommand,
  proxy: async () => {
    const [{ proxyCommand }, { startDataPlane }] = await Promise.all([import('./proxy.js'), import('../proxy/server/proxy.js')]);
    return (io, setCode) => proxyCommand(io, setCode, { dataPlane: startDataPlane });
  },
  app: async () => {
    const [{ appCommand }, apps] = await Promise.all([import('./app.js'), import('../run/apps/index.js')]);
    return (io, setCode) => appCommand(io, setCode, { apps });
  },
  up: async () => {
    const [{ upCommand }, { startLocalMesh }] = await Promise.all([import('./up.js'), import('../run/mesh.js')]);
    return (io, setCode) => upCommand(io, setCode, { start: (req, out) => startLocalMesh(req, out) });
  },
  status: async () => (await import('./status.js')).statusCommand,
  exec: async () => (await import('./exec.js')).execCommand,
  down: async () => (await import('./down.js')).downCommand,
};
const ALIASES: Record<string, string> = { pc: 'proxy-config' };

async function commandsFor(argv: readonly string[]): Promise<CommandFactory[]> {
  const first = argv.find((a) => !a.startsWith('-'));
  const name = first === undefined ? undefined : (ALIASES[first] ?? first);
  const names = name !== undefined && COMMANDS[name] ? [name] : Object.keys(COMMANDS);
  return Promise.all(names.map((n) => COMMANDS[n]!()));
}

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command('trellis')
    .description('Trellis: a service mesh that speaks Istio\'s configuration language')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  const setCode = (c: number) => { code = c; };
  for (const make of await commandsFor(argv)) {
    program.addCommand(make(io, setCode).copyInheritedSettings(program));
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof TrellisError) {
      io.err(`trellis: ${e.message}\n`);
      return e.code === 'E_USAGE' || e.code === 'E_READ' ? 2 : 1;
    }
    io.err(`trellis: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
  return code;
}
