/**
 * A proxyless gRPC client (real @grpc/grpc-js-xds) run as a child process, so that one client,
 * with one xDS connection, lives across control-plane config edits and restarts. grpc-js-xds
 * reads its bootstrap once (GRPC_XDS_BOOTSTRAP_CONFIG or GRPC_XDS_BOOTSTRAP, set by the parent),
 * hence the separate process. It dials `xds:///TARGET` (argv[2]) and serves commands, one JSON
 * object per line on stdin, answering one JSON line each on stdout:
 *   {"id":1,"op":"call","n":200,"user":"jason"} → {"id":1,"counts":{"v2":200},"errors":{}}
 *   {"id":2,"op":"state"}                      → {"id":2,"state":"READY"}
 *   {"id":3,"op":"exit"}                       → exits
 * It prints {"ready":true,"pid":…} once started. Diagnostics go to stderr.
 */
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { createInterface } from 'node:readline';
import { echoService, type EchoReply } from './echo-server.js';

interface Command { id: number; op: 'call' | 'state' | 'exit'; n?: number; user?: string; concurrency?: number; deadlineMs?: number }

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: grpc-client.ts HOST:PORT\n');
  process.exit(2);
}

xds.register();
const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');
const client = new EchoClient(`xds:///${target}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
  Call(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: EchoReply) => void): void;
};

function callOnce(user: string | undefined, deadlineMs: number): Promise<{ identity?: string; error?: string }> {
  const md = new grpc.Metadata();
  if (user !== undefined) md.set('x-user', user);
  return new Promise((resolve) => {
    client.Call({ message: 'hi' }, md, { deadline: Date.now() + deadlineMs }, (err, res) => {
      if (err) resolve({ error: grpc.status[err.code] ?? String(err.code) });
      else resolve({ identity: res?.identity ?? 'unknown' });
    });
  });
}

async function calls(cmd: Command): Promise<object> {
  const n = cmd.n ?? 1;
  const concurrency = Math.max(1, cmd.concurrency ?? 10);
  const counts: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const r = await callOnce(cmd.user, cmd.deadlineMs ?? 5000);
      if (r.identity) counts[r.identity] = (counts[r.identity] ?? 0) + 1;
      else errors[r.error!] = (errors[r.error!] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { counts, errors };
}

function reply(v: object): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let cmd: Command;
  try {
    cmd = JSON.parse(line) as Command;
  } catch {
    reply({ error: `bad command: ${line}` });
    return;
  }
  if (cmd.op === 'exit') {
    client.close();
    process.exit(0);
  }
  if (cmd.op === 'state') {
    reply({ id: cmd.id, state: grpc.connectivityState[client.getChannel().getConnectivityState(false)] });
    return;
  }
  void calls(cmd).then((r) => reply({ id: cmd.id, ...r }), (e: unknown) => reply({ id: cmd.id, error: String(e) }));
});
lines.on('close', () => process.exit(0));
reply({ ready: true, pid: process.pid });
