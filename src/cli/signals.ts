/**
 * Shutdown signals for the long-running commands (control-plane, proxy): resolves on the first
 * SIGINT or SIGTERM, after which a second one exits at once (130 / 143).
 */
export function processSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
