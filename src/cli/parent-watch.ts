/**
 * For Trellis processes started by `trellis up` (proxies, built-in apps): exit when the parent
 * is gone, so that no process outlives the mesh even where the kernel cannot be asked to signal
 * it (setpriv's parent-death signal, see run/spawn.ts). The parent's pid comes in
 * `TRELLIS_PARENT_PID` (removed from the environment here, so this process's own children do
 * not inherit it); every second the current parent is compared with it, and once it differs the
 * process sends itself SIGTERM (its usual clean stop) and exits after a grace period.
 */
export const PARENT_PID_ENV = 'TRELLIS_PARENT_PID';

export function watchParent(env: NodeJS.ProcessEnv = process.env, intervalMs = 1000): void {
  const parent = Number(env[PARENT_PID_ENV]);
  delete env[PARENT_PID_ENV];
  if (!Number.isInteger(parent) || parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 3000).unref();
  }, intervalMs);
  timer.unref();
}
