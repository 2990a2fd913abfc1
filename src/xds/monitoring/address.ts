/**
 * `HOST:PORT` addresses as the control plane's flags take them (`127.0.0.1:15014`,
 * `[::1]:15014`, `localhost:0`). Pure; no lookups.
 */

/** Splits `HOST:PORT` or `[V6]:PORT`; throws a plain Error naming the address otherwise. */
export function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]/]+)):(\d{1,5})$/.exec(address);
  if (!m || Number(m[3]) > 65535) throw new Error(`invalid address ${JSON.stringify(address)}: use HOST:PORT, e.g. 127.0.0.1:15014`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

/** `HOST:PORT` back, with brackets around an IPv6 host. */
export function joinAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
