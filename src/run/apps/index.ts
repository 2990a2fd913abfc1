/**
 * The built-in apps of `trellis up` (and `trellis app`): the images the guides run, rebuilt as
 * small in-process HTTP servers — demoapp, proxy, httpbin, nginx, httpserver — and sleep, an idle
 * client. This is the contract the runner codes against: which image is which app
 * (builtinImage), the port an app listens on when its container declares none (defaultPort), and
 * startBuiltinApp. Each app lives in its own file; they import only node: modules and common/,
 * so that an app process starts fast.
 */
import { startDemoapp, DEMOAPP_PORT } from './demoapp.js';
import { startHttpbin, HTTPBIN_PORT } from './httpbin.js';
import { startHttpserver, HTTPSERVER_PORT } from './httpserver.js';
import { startNginx, NGINX_PORT } from './nginx.js';
import { startProxy, PROXY_PORT } from './proxy.js';
import { startSleep } from './sleep.js';
import type { BuiltinAppName, BuiltinAppOptions, RunningApp } from './types.js';

export type { BuiltinAppName, BuiltinAppOptions, RunningApp } from './types.js';
export { BUILTIN_APPS, builtinImage, isBuiltinApp } from './image.js';

const APPS: Record<BuiltinAppName, { start: (o: BuiltinAppOptions) => Promise<RunningApp>; port: number }> = {
  demoapp: { start: startDemoapp, port: DEMOAPP_PORT },
  proxy: { start: startProxy, port: PROXY_PORT },
  httpbin: { start: startHttpbin, port: HTTPBIN_PORT },
  nginx: { start: startNginx, port: NGINX_PORT },
  httpserver: { start: startHttpserver, port: HTTPSERVER_PORT },
  sleep: { start: startSleep, port: 0 },
};

/** Starts `name`; rejects with the listen error (its `code`, e.g. EADDRINUSE) when it cannot listen. */
export function startBuiltinApp(name: BuiltinAppName, o: BuiltinAppOptions): Promise<RunningApp> {
  return APPS[name].start(o);
}

/**
 * The port an app listens on when its container declares none: the images' own defaults
 * (ikubernetes/demoapp 80, unless PORT says otherwise as in the guides' 8080; ikubernetes/proxy
 * 8080; httpbin, nginx and cncamp/httpserver 80). sleep listens nowhere: 0.
 */
export function defaultPort(name: BuiltinAppName): number {
  return APPS[name].port;
}
