import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@gridflex/common/testing';
import type { SoakController } from '@gridflex/simulator';

const ROOT = resolve(__dirname, '..');
const MAIN = resolve(ROOT, 'dist/apps/controller/apps/controller/src/main.js');

/**
 * The built controller as a child process that the soak may `kill -9` and start again on the same port,
 * database, Redis and queue prefix, as a supervisor restarts a crashed host. Its log goes to one file.
 */
export class SoakControllerProcess implements SoakController {
  private child?: ChildProcess;
  private readonly log: WriteStream;
  private readonly apiKey = randomBytes(24).toString('hex');

  private constructor(
    private readonly port: number,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {
    this.log = createWriteStream(logFile);
  }

  /** `env`: DATABASE_URL, REDIS_URL and any other setting; the process's own are added. */
  static async start(env: Record<string, string>): Promise<SoakControllerProcess> {
    const port = await freePort();
    const controller = new SoakControllerProcess(
      port,
      {
        OSCP_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        QUEUE_PREFIX: `gridflex-soak-${randomBytes(4).toString('hex')}`,
        ...env,
      },
      join(tmpdir(), `gridflex-soak-${port}.log`),
    );
    await controller.restart();
    return controller;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  readonly admin = async <T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> => {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'X-API-Key': this.apiKey, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  async restart(): Promise<void> {
    this.child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        ADMIN_API_KEY: this.apiKey,
        REDIS_AUTOSTART: 'false',
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(this.log, { end: false });
    this.child.stderr?.pipe(this.log, { end: false });
    await this.waitUntilServing();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM, SIGKILL after 40 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(40_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.log.end();
  }

  private async waitUntilServing(): Promise<void> {
    for (let attempt = 0; attempt < 600; attempt++) {
      if (this.child?.exitCode !== null) {
        throw new Error(`The controller exited with ${this.child?.exitCode}; see ${this.logFile}`);
      }
      const serving = await this.admin('GET', '/api/v1/sites').then(
        () => true,
        () => false,
      );
      if (serving) return;
      await sleep(250);
    }
    throw new Error(`The controller did not serve within 150 s; see ${this.logFile}`);
  }
}
