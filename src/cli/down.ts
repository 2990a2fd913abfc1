/**
 * `trellis down [--state-dir DIR] [--timeout SECONDS]`: stops the mesh `trellis up` runs: sends
 * its process SIGTERM (which stops every child, then removes the state file) and waits for it to
 * exit. After the timeout it is killed (its children notice their parent is gone and exit) and
 * the state file is removed here. Says so when nothing is running (exit 0 either way), and
 * cleans up the state a killed `up` left behind.
 */
import { Command } from 'commander';
import { TrellisError } from '../common/errors.js';
import type { Io } from './main.js';
import { DEFAULT_STATE_DIR, isAlive, liveState, removeState, statePath } from './state-file.js';

interface Options {
  stateDir: string;
  timeout: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `pid` is gone; false when it is still there after `ms`. */
export async function waitExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= until) return false;
    await sleep(50);
  }
  return true;
}

export function downCommand(io: Io, setCode: (c: number) => void): Command {
  return new Command('down')
    .description('stop the mesh trellis up runs (every process it started)')
    .option('--state-dir <dir>', 'the state directory of trellis up', DEFAULT_STATE_DIR)
    .option('--timeout <seconds>', 'how long to wait for a clean stop before killing', '20')
    .action(async (o: Options) => {
      const seconds = Number(o.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new TrellisError('E_USAGE', `--timeout ${JSON.stringify(o.timeout)}: a number of seconds > 0`);
      const live = liveState(o.stateDir);
      if (live.kind === 'none') {
        io.out(`nothing is running (no ${statePath(o.stateDir)})\n`);
        setCode(0);
        return;
      }
      if (live.kind === 'stale') {
        removeState(o.stateDir);
        io.out(`nothing is running: trellis up pid ${live.state.pid} is gone; removed its stale state ${statePath(o.stateDir)}\n`);
        setCode(0);
        return;
      }
      const pid = live.state.pid;
      io.out(`stopping trellis up (pid ${pid}, ${live.state.workloads.length} workload(s))…\n`);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      if (await waitExit(pid, seconds * 1000)) {
        io.out('stopped\n');
        setCode(0);
        return;
      }
      io.err(`trellis: trellis up pid ${pid} did not stop within ${seconds} s; killing it (its processes exit when their parent is gone)\n`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      await waitExit(pid, 5000);
      removeState(o.stateDir);
      setCode(1);
    });
}
