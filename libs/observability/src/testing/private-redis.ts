import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '@gridflex/common/testing';

/**
 * A `redis-server` of a test's own, on a free port and without persistence, that the test may kill, pause
 * (a server that hangs without closing its connections) and start again on the same port.
 */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dataDir?: string,
  ) {}

  /**
   * With `persistent`, the server keeps an append-only file synced on every write in a temporary directory, as
   * production Redis should run: a restart (even after `kill -9`) then finds every key again.
   */
  static async start(options: { persistent?: boolean } = {}): Promise<PrivateRedis> {
    const dataDir = options.persistent ? mkdtempSync(join(tmpdir(), 'gridflex-redis-')) : undefined;
    const redis = new PrivateRedis(await freePort(), dataDir);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, unless it runs) and resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.running) return;
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...this.persistence()],
      { stdio: 'ignore' },
    );
    await waitUntilAnswering(this.url);
  }

  private persistence(): string[] {
    if (!this.dataDir) return ['--appendonly', 'no'];
    return ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dataDir];
  }

  /** `kill -9`: the connections drop at once, as when Redis crashes. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  private get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The server stops answering but keeps its connections open. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }
}

async function waitUntilAnswering(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server did not start at ${url}`);
}
