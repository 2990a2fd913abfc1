/**
 * The `trellis` command: builds the command tree (one file per subcommand) and maps failures to
 * exit statuses: 0 ok, 1 findings (invalid config, analysis errors), 2 usage or unreadable input.
 * Nothing here knows about config semantics; subcommands call into `config/` and friends.
 */
import { Command, CommanderError } from 'commander';
import { TrellisError } from '../common/errors.js';
import { validateCommand } from './validate.js';
import { analyzeCommand } from './analyze.js';
import { explainCommand } from './explain.js';
import { proxyConfigCommand } from './proxy-config.js';
import { controlPlaneCommand } from './control-plane.js';
import { proxyStatusCommand } from './proxy-status.js';
import { monitoringPlugin } from '../xds/monitoring/plugin.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  stdin?: () => string;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command('trellis')
    .description('Trellis: a service mesh that speaks Istio\'s configuration language')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  const setCode = (c: number) => { code = c; };
  const monitoring = monitoringPlugin();
  for (const cmd of [
    validateCommand(io, setCode), analyzeCommand(io, setCode), proxyConfigCommand(io, setCode), explainCommand(io, setCode),
    controlPlaneCommand(io, setCode, { monitoring: monitoring.factory, events: monitoring.onEvent }), proxyStatusCommand(io, setCode),
  ]) {
    program.addCommand(cmd.copyInheritedSettings(program));
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
