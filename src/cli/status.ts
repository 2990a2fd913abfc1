/**
 * `trellis status [-o table|json] [--state-dir DIR]`: the mesh `trellis up` runs, read from its
 * state directory and checked live (readiness.ts): a table NAMESPACE NAME VERSION ADDRESS READY
 * RESTARTS after the ingress and egress URLs and the control plane's addresses, then any
 * workload's problem; or, with `-o json`, exactly
 * `{"ingress":"http://…","egress":"http://…","workloads":[{"namespace","name","address","ready"}]}`.
 * Exit 0 while a mesh runs (ready or not), 1 when nothing runs (saying so).
 */
import { Command } from 'commander';
import type { Io } from './main.js';
import { checkFormat } from './output.js';
import { readiness } from './readiness.js';
import { DEFAULT_STATE_DIR, liveState, notRunningMessage } from './state-file.js';
import { renderWorkloadTable, statusJson } from './workload-table.js';

interface Options {
  output: string;
  stateDir: string;
}

export function statusCommand(io: Io, setCode: (c: number) => void): Command {
  return new Command('status')
    .description('show the workloads of the mesh trellis up runs, with live readiness')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--state-dir <dir>', 'the state directory of trellis up', DEFAULT_STATE_DIR)
    .action(async (o: Options) => {
      const format = checkFormat(o.output, ['table', 'json']);
      const live = liveState(o.stateDir);
      if (live.kind !== 'running') {
        io.err(`trellis: ${notRunningMessage(o.stateDir, live)}\n`);
        setCode(1);
        return;
      }
      const state = live.state;
      const ready = await readiness(state.workloads);
      if (format === 'json') {
        io.out(JSON.stringify(statusJson(state, ready)) + '\n');
      } else {
        io.out(`ingress: ${state.ingress}   egress: ${state.egress}\n`);
        io.out(`control plane: xds ${state.controlPlane.xds}, monitoring ${state.controlPlane.monitoring}; config ${state.configDir}${state.recursive ? ' (recursive)' : ''}; trellis up pid ${state.pid}\n`);
        io.out(renderWorkloadTable(state.workloads, ready));
        for (const w of state.workloads) {
          if (w.problem) io.out(`${w.namespace}/${w.name}: ${w.problem}\n`);
          if (w.blocked?.length) io.out(`${w.namespace}/${w.name}: requests blocked by REGISTRY_ONLY to ${w.blocked.join(', ')} (trellis explain ${w.name} http://${w.blocked[0]}/ says why and what would allow it)\n`);
        }
      }
      setCode(0);
    });
}
