/**
 * Default injected services of the ADS server: the system clock (fractional epoch ms, so that
 * push durations below a millisecond are measurable) and a logger that discards everything.
 * Tests pass their own (test/helpers/fake-clock.ts).
 */
import type { Clock, Logger } from './types.js';

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const nothing = (): void => {};

export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };

/** Writes warnings and errors to stderr as one line each (the CLI's default until pino is in). */
export const stderrLogger: Logger = {
  debug: nothing,
  info: nothing,
  warn: (msg, fields) => process.stderr.write(`warn: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
  error: (msg, fields) => process.stderr.write(`error: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
};
