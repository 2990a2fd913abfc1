/**
 * Options and input handling shared by the subcommands that read config (`-f`, `-n`, `-o`).
 */
import type { Command } from 'commander';
import { TrellisError } from '../common/errors.js';
import { loadPaths, type LoadedConfig } from '../config/load.js';
import type { Io } from './main.js';

export interface InputOptions {
  filename: string[];
  namespace: string;
  output: string;
  recursive?: boolean;
}

export function checkFormat(value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) {
    throw new TrellisError('E_USAGE', `unknown output format ${JSON.stringify(value)}; use one of: ${allowed.join(', ')}`);
  }
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `-f PATH…`, `-n NS`, `-o FORMAT` and trailing paths to a command. */
export function withInputOptions(cmd: Command, formats: readonly string[]): Command {
  return cmd
    .option('-f, --filename <path>', 'file, directory (its own files; -R for sub-directories too) or - for stdin; repeatable', collect, [])
    .option('-R, --recursive', 'read the sub-directories of -f directories too (as kubectl -R)')
    .option('-n, --namespace <ns>', 'namespace for objects that do not set one', 'default')
    .option('-o, --output <format>', formats.join(' or '), formats[0])
    .argument('[paths...]', 'more files or directories');
}

/** Reads and validates the config the options name; usage errors throw `E_USAGE`. */
export function loadInput(paths: string[], opts: InputOptions, io: Io): LoadedConfig {
  const all = [...opts.filename, ...paths];
  if (all.length === 0) throw new TrellisError('E_USAGE', 'no input: give files or directories with -f PATH (or -f - for stdin)');
  return loadPaths(all, { defaultNamespace: opts.namespace, stdin: io.stdin, recursive: opts.recursive === true });
}
