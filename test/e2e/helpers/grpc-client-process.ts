/**
 * The parent side of grpc-client.ts: spawns the proxyless gRPC client as a child process with
 * its xDS bootstrap in the environment, sends it commands and waits (bounded) for the answers.
 * `kill()` ends the child; call it in `after` hooks. The child's stderr is kept for failure
 * messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLIENT_SCRIPT = fileURLToPath(new URL('./grpc-client.ts', import.meta.url));

export interface GrpcXdsBootstrapOptions {
  xdsAddress: string;
  nodeId: string;
  metadata: Record<string, unknown>;
}

/** A grpc-js-xds bootstrap (the JSON Istio's agent writes for proxyless gRPC, insecure). */
export function grpcBootstrap(o: GrpcXdsBootstrapOptions): object {
  return {
    xds_servers: [{ server_uri: o.xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: o.nodeId, metadata: o.metadata, locality: {} },
  };
}

export interface CallResult {
  counts: Record<string, number>;
  errors: Record<string, number>;
}

export class GrpcClientProcess {
  private readonly waiters = new Map<number, (v: Record<string, unknown>) => void>();
  private nextId = 1;
  private stderrText = '';
  private exited = false;
  readonly pid: number;

  private constructor(private readonly child: ChildProcess, pid: number) {
    this.pid = pid;
  }

  /** Starts the client for `xds:///TARGET`; resolves once it is ready for commands. */
  static async start(target: string, bootstrap: object, timeoutMs = 20_000): Promise<GrpcClientProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT_SCRIPT, target], {
      env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap), GRPC_XDS_BOOTSTRAP: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let proc: GrpcClientProcess | undefined;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (proc) proc.stderrText += d.toString();
    });
    const lines = createInterface({ input: child.stdout! });
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gRPC client did not start in ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`gRPC client exited (${code}) before it was ready; stderr:\n${stderr}`));
      });
      lines.once('line', (line) => {
        clearTimeout(timer);
        const msg = JSON.parse(line) as { ready?: boolean; pid?: number };
        if (msg.ready && typeof msg.pid === 'number') resolve(msg.pid);
        else reject(new Error(`unexpected first line from the gRPC client: ${line}`));
      });
    });
    let pid: number;
    try {
      pid = await ready;
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    proc = new GrpcClientProcess(child, pid);
    proc.stderrText = stderr;
    child.once('exit', () => { proc!.exited = true; });
    lines.on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const w = typeof msg.id === 'number' ? proc!.waiters.get(msg.id) : undefined;
      if (w) {
        proc!.waiters.delete(msg.id as number);
        w(msg);
      }
    });
    return proc;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get alive(): boolean {
    return !this.exited;
  }

  private command(cmd: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`gRPC client: no answer to ${JSON.stringify(cmd)} in ${timeoutMs} ms; stderr:\n${this.stderrText.slice(-4000)}`));
      }, timeoutMs);
      this.waiters.set(id, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      this.child.stdin!.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  }

  /** Sends `n` unary calls (with `x-user` when given); where they landed and how many failed, by status. */
  async call(n: number, user?: string, timeoutMs = 30_000): Promise<CallResult> {
    const r = await this.command({ op: 'call', n, ...(user !== undefined ? { user } : {}) }, timeoutMs);
    if (typeof r.error === 'string') throw new Error(`gRPC client: ${r.error}`);
    return { counts: (r.counts ?? {}) as Record<string, number>, errors: (r.errors ?? {}) as Record<string, number> };
  }

  async state(): Promise<string> {
    return String((await this.command({ op: 'state' }, 5000)).state);
  }

  /** Ends the child (SIGKILL after a grace period). Idempotent. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}
