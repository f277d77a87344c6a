import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ENTRY = resolve(__dirname, 'upstream-csms.ts');

interface CountsMessage {
  type: 'counts';
  counts: Record<string, number>;
  connections: number;
}

/** What the upstream central system has answered so far. */
export interface UpstreamCounts {
  /** Calls answered, per action. */
  calls: Record<string, number>;
  /** Connections it accepted (one per proxied charger connection). */
  connections: number;
}

/** The proxy rows' upstream central system (bench/upstream-csms.ts) in a child process of its own. */
export class UpstreamCsms {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<UpstreamCsms> {
    const child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const listening = new Promise<number>((resolvePort, reject) => {
      child.on('message', (message: { type?: string; port?: number }) => {
        if (message.type === 'listening') resolvePort(message.port!);
      });
      child.once('exit', (code) => reject(new Error(`The upstream CSMS exited with ${code}`)));
    });
    return new UpstreamCsms(child, await listening);
  }

  /** gridflex connects each charger to `<url>/<identity>`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/csms`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async counts(): Promise<UpstreamCounts> {
    const reply = new Promise<CountsMessage>((resolveCounts) => {
      const onMessage = (message: { type?: string }) => {
        if (message.type !== 'counts') return;
        this.child.off('message', onMessage);
        resolveCounts(message as CountsMessage);
      };
      this.child.on('message', onMessage);
    });
    this.child.send({ type: 'counts' });
    const { counts, connections } = await reply;
    return { calls: counts, connections };
  }

  /** Closing the IPC channel stops it; killed if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await Promise.race([exited, sleep(10_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
