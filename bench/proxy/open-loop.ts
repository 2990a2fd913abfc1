/**
 * An open-loop HTTP/1.1 load generator for the added-latency measurement: requests are scheduled
 * at a fixed rate (1,000/s by default) whatever the answers do, each sent on an idle keep-alive
 * connection (a new one is opened when all are busy), and each latency is measured from the time
 * the request was *scheduled* to the end of its response, so a stall shows up as latency for every
 * request that should have gone out meanwhile (no coordinated omission; wrk's closed loop, even
 * slowed by a Lua `delay`, would hide it). Responses are read with the proxy's own parser.
 *
 * Run as a child (`node --import tsx bench/proxy/open-loop.ts HOST PORT RATE SECONDS [LUA-LESS REQUEST TEXT in env]`),
 * it prints one JSON line: {sent, done, errors, p50Ms, p90Ms, p99Ms, maxMs}.
 */
import net from 'node:net';
import { Http1Parser, type Http1Head, type ParserHandler } from '../../src/proxy/http1/parser.js';

interface Conn extends ParserHandler {
  socket: net.Socket;
  busy: boolean;
  scheduled: number;
}

export interface OpenLoopResult {
  sent: number;
  done: number;
  errors: number;
  non2xx: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

function pct(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function openLoop(host: string, port: number, rate: number, seconds: number, requests: string[], maxConns = 256): Promise<OpenLoopResult> {
  const total = Math.round(rate * seconds);
  const lat = new Float64Array(total);
  let done = 0;
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const idle: Conn[] = [];
  const all = new Set<Conn>();
  const t0 = performance.now();
  const interval = 1000 / rate;

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(tick);
      for (const c of all) c.socket.destroy();
      const got = lat.slice(0, done).sort();
      resolve({ sent, done, errors, non2xx, p50Ms: pct(got, 0.5), p90Ms: pct(got, 0.9), p99Ms: pct(got, 0.99), maxMs: got.length ? got[got.length - 1]! : NaN });
    };
    const complete = (c: Conn, ok: boolean) => {
      if (ok) lat[done++] = performance.now() - c.scheduled;
      else errors++;
      c.busy = false;
      if (ok) idle.push(c);
      if (done + errors >= total) finish();
    };
    const open = (): Conn => {
      const socket = net.connect({ host, port, noDelay: true });
      const c: Conn = {
        socket, busy: false, scheduled: 0,
        onHead(h: Http1Head) { if (h.status < 200 || h.status >= 300) non2xx++; },
        onBody() {},
        onEnd() { complete(c, true); },
        onError() { all.delete(c); socket.destroy(); if (c.busy) complete(c, false); },
      };
      const parser = new Http1Parser('response', c);
      socket.on('data', (b: Buffer) => parser.execute(b));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        all.delete(c);
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
        if (c.busy) complete(c, false);
      });
      all.add(c);
      return c;
    };
    let tick: ReturnType<typeof setTimeout>;
    const pump = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
      while (sent < due) {
        let c = idle.pop();
        if (!c) {
          if (all.size >= maxConns) break;
          c = open();
        }
        c.busy = true;
        c.scheduled = t0 + sent * interval;
        c.socket.write(requests[sent % requests.length]!);
        sent++;
      }
      if (sent < total) tick = setTimeout(pump, Math.max(0, t0 + sent * interval - performance.now()));
      else tick = setTimeout(finish, 10_000);
    };
    pump();
  });
}

// As a child process: print the result as JSON.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [host, port, rate, seconds] = process.argv.slice(2);
  const requests = JSON.parse(process.env['OPEN_LOOP_REQUESTS'] ?? '[]') as string[];
  void openLoop(host!, Number(port), Number(rate), Number(seconds), requests).then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  });
}
