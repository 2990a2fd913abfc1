/**
 * Runs the `trellis` CLI in-process with captured output.
 */
import { main } from '../../src/cli/main.js';

export interface CliResult { code: number; out: string; err: string }

export async function runCli(argv: string[], stdin?: string): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, stdin: stdin === undefined ? undefined : () => stdin });
  return { code, out, err };
}
