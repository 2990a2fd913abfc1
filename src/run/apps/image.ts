/**
 * Which container images Trellis runs as built-in apps: an image is known by its last path
 * segment before the tag (`registry.cn-wulanchabu.aliyuncs.com/daizhe/demoapp:v1.1` is demoapp
 * version v1.1), whatever the registry (host:port too) or namespace; no tag is version `latest`,
 * a digest (`@sha256:…`) is ignored. A few other images' names run the same app (go-httpbin is
 * httpbin, ikubernetes/admin-box an idle client). Pure string work.
 */
import type { BuiltinAppName } from './types.js';

export const BUILTIN_APPS: readonly BuiltinAppName[] = ['demoapp', 'proxy', 'httpbin', 'nginx', 'httpserver', 'sleep'];

const ALIASES: Record<string, BuiltinAppName> = { 'go-httpbin': 'httpbin', 'admin-box': 'sleep' };

export function isBuiltinApp(name: string): name is BuiltinAppName {
  return (BUILTIN_APPS as readonly string[]).includes(name);
}

/** The built-in app an image runs and its version, or undefined when the image is not built in. */
export function builtinImage(image: string): { app: BuiltinAppName; version: string } | undefined {
  const ref = image.trim().split('@')[0]!;
  const slash = ref.lastIndexOf('/');
  const last = ref.slice(slash + 1);
  const colon = last.indexOf(':');
  const name = (colon >= 0 ? last.slice(0, colon) : last).toLowerCase();
  const tag = colon >= 0 ? last.slice(colon + 1) : '';
  const app = isBuiltinApp(name) ? name : ALIASES[name];
  if (!app) return undefined;
  return { app, version: tag || 'latest' };
}
