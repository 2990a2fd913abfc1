/**
 * A steady client load for end-to-end tests: requests at a fixed rate over one keep-alive agent
 * (a few reused connections, as a real client pool), each checked by the caller's predicate.
 * Counts successes and failures and keeps the first failures' descriptions, so a test can assert
 * "zero failed requests" and say what failed when it is not. `stop()` stops issuing and waits for
 * the requests in flight; the agent is destroyed there.
 */
import http from 'node:http';

export interface LoadReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface LoadTarget {
  /** The address and port the client connects to (the proxy). */
  host: string;
  port: number;
  /** The request path (absolute-form `http://svc:8080/x` for an explicit proxy). */
  path: string | ((n: number) => string);
  headers?: Record<string, string>;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** The first failures (at most 20): request number, time since start and what went wrong. */
  failures: string[];
  /** Responses by the predicate's label (e.g. the upstream's name). */
  labels: Map<string, number>;
  maxLatencyMs: number;
  /** TCP connections the client opened (an unchanged listener keeps its keep-alive connections). */
  connections: number;
}

export interface Load {
  readonly result: LoadResult;
  stop(): Promise<LoadResult>;
}

/** Sends `rps` requests per second until stopped. `check` returns an error text, or a label for a good reply. */
export function startLoad(target: LoadTarget, rps: number, check: (r: LoadReply, n: number) => { error: string } | { label: string }, sockets = 4): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, failures: [], labels: new Map(), maxLatencyMs: 0, connections: 0 };
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (...a: Parameters<typeof createConnection>) => { result.connections++; return createConnection(...a); };
  const started = Date.now();
  const inflight = new Set<Promise<void>>();
  const fail = (n: number, what: string) => {
    result.failed++;
    if (result.failures.length < 20) result.failures.push(`#${n} at ${Date.now() - started} ms: ${what}`);
  };
  const one = (n: number): Promise<void> => new Promise<void>((resolve) => {
    const t0 = Date.now();
    const path = typeof target.path === 'function' ? target.path(n) : target.path;
    const hostHeader = /^https?:\/\//.test(path) ? new URL(path).host : undefined;
    const req = http.request({ host: target.host, port: target.port, path, agent, headers: { ...(hostHeader ? { host: hostHeader } : {}), ...target.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => { fail(n, `response error ${e.message}`); resolve(); });
      res.on('end', () => {
        result.maxLatencyMs = Math.max(result.maxLatencyMs, Date.now() - t0);
        const c = check({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }, n);
        if ('error' in c) fail(n, c.error);
        else {
          result.ok++;
          result.labels.set(c.label, (result.labels.get(c.label) ?? 0) + 1);
        }
        resolve();
      });
    });
    req.on('error', (e) => { fail(n, `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`); resolve(); });
    req.setTimeout(5000, () => req.destroy(new Error('client timeout (5 s)')));
    req.end();
  });
  const interval = 1000 / rps;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    if (stopped) return;
    // Catch up on what is due (timers are late on a loaded machine), then wait for the next slot.
    const due = Math.floor((Date.now() - started) / interval) + 1;
    while (result.sent < due) {
      const p = one(++result.sent);
      inflight.add(p);
      void p.then(() => inflight.delete(p));
    }
    timer = setTimeout(tick, Math.max(1, started + result.sent * interval - Date.now()));
  };
  tick();
  return {
    result,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inflight]);
      agent.destroy();
      return result;
    },
  };
}

/** A readable summary for assertion messages. */
export function describeLoad(r: LoadResult): string {
  return `${r.sent} sent, ${r.ok} ok, ${r.failed} failed, max latency ${r.maxLatencyMs} ms, ${r.connections} connection(s), by label ${JSON.stringify([...r.labels])}${r.failures.length ? `\n  ${r.failures.join('\n  ')}` : ''}`;
}
