/**
 * Runs wrk (closed loop: each connection sends its next request when the last answer arrives) on
 * a given core and reads its report: requests/s, the latency percentiles of `--latency`, errors
 * and non-2xx answers. `sidecarLua` writes the script that makes wrk an explicit-proxy client: it
 * sends absolute-form requests (`GET http://svc-N.bench.svc.cluster.local:8080/`) cycling through
 * the 100 services, each request pre-formatted once in `init`.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export interface WrkResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  raw: string;
}

const UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function ms(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return m ? Number(m[1]) * UNIT[m[2]!]! : NaN;
}

export function parseWrk(out: string): WrkResult {
  const pct = (p: number) => ms(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1]);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    p50Ms: pct(50), p75Ms: pct(75), p90Ms: pct(90), p99Ms: pct(99),
    errors: errs ? errs.slice(1).reduce((a, x) => a + Number(x), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    raw: out,
  };
}

export interface WrkOptions {
  url: string;
  core: number | undefined;
  connections: number;
  durationS: number;
  threads?: number;
  script?: string;
}

export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.durationS}s`, '--latency', '--timeout', '5s'];
  if (o.script) args.push('-s', o.script);
  args.push(o.url);
  const argv = o.core === undefined ? ['wrk', ...args] : ['taskset', '-c', String(o.core), 'wrk', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), (o.durationS + 30) * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${out}`));
      else resolve(parseWrk(out));
    });
  });
}

/** The Lua script for the sidecar's explicit proxy: absolute-form requests over `hosts`. */
export function sidecarLua(path: string, hosts: string[]): string {
  const list = hosts.map((h) => `"${h}"`).join(', ');
  writeFileSync(path, `-- absolute-form requests through an explicit HTTP proxy, cycling through the services
local hosts = { ${list} }
local reqs = {}
local i = 0
init = function(args)
  for k, h in ipairs(hosts) do
    reqs[k] = wrk.format("GET", "http://" .. h .. "/", { Host = h })
  end
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
`);
  return path;
}
