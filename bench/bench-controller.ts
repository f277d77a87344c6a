import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { freePort } from '@gridflex/common/testing';

const ROOT = resolve(__dirname, '..');
const MAIN = resolve(ROOT, 'dist/apps/controller/apps/controller/src/main.js');
const API_KEY = randomBytes(24).toString('hex');

/** The few members of a `ws` client used here: ws comes with ocpp-rpc, without type declarations. */
interface InspectorSocket extends NodeJS.EventEmitter {
  send(data: string): void;
  close(): void;
}
const WebSocket = createRequire(__filename)('ws') as new (url: string) => InspectorSocket;

/** `nest build controller`, as `npm start` does: the benchmark measures the built controller. */
export function buildController(): void {
  execFileSync('npx', ['nest', 'build', 'controller'], { cwd: ROOT, stdio: 'inherit' });
}

export interface BenchControllerOptions {
  /** `postgres` (a fresh database on the test server) or `pglite` (`memory://`). */
  database: 'postgres' | 'pglite';
  env: Record<string, string>;
  /** Directory for a V8 CPU profile (`--cpu-prof`), written when the process exits. */
  cpuProfileDir?: string;
}

/** The built controller in a process of its own, on a fresh database and queue prefix. */
export class BenchController {
  private constructor(
    readonly baseUrl: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    private readonly dropDatabase: () => Promise<void>,
    private readonly inspectorUrl: Promise<string>,
  ) {}

  static async start(options: BenchControllerOptions): Promise<BenchController> {
    const port = await freePort();
    const database =
      options.database === 'postgres'
        ? await createSharedPostgresDatabase()
        : { url: '', drop: () => Promise.resolve() };
    const logFile = join(tmpdir(), `gridflex-bench-${port}.log`);
    const child = spawn(
      process.execPath,
      [
        // The inspector lets the benchmark collect garbage before reading the heap; it is not the product's.
        '--inspect=127.0.0.1:0',
        ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
        MAIN,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: database.url,
          PGLITE_DATA_DIR: 'memory://',
          ADMIN_API_KEY: API_KEY,
          OSCP_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
          QUEUE_PREFIX: `gridflex-bench-${randomBytes(4).toString('hex')}`,
          REDIS_AUTOSTART: 'false',
          LOG_LEVEL: 'warn',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const log = createWriteStream(logFile);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const inspectorUrl = new Promise<string>((resolveUrl) => {
      const onData = (chunk: Buffer) => {
        const url = /Debugger listening on (ws:\/\/\S+)/.exec(chunk.toString());
        if (!url) return;
        child.stderr?.off('data', onData);
        resolveUrl(url[1]);
      };
      child.stderr?.on('data', onData);
    });
    const controller = new BenchController(
      `http://127.0.0.1:${port}`,
      logFile,
      child,
      () => database.drop(),
      inspectorUrl,
    );
    await controller.waitUntilServing();
    return controller;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get ocppEndpoint(): string {
    return `${this.baseUrl.replace('http', 'ws')}/ocpp`;
  }

  /** An admin API call; throws on any answer but 2xx. */
  async admin<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: object): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Resident set size of the controller process, from /proc. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (!kib) throw new Error(`No VmRSS in /proc/${this.pid}/status`);
    return Number(kib[1]) * 1024;
  }

  /** The V8 heap in use, from the controller's own `/metrics` (prom-client's default metrics). */
  async heapUsedBytes(): Promise<number> {
    return (await this.metrics()).get('gridflex_nodejs_heap_size_used_bytes') ?? Number.NaN;
  }

  /** The controller's `/metrics`, each name's samples summed over their labels. */
  async metrics(): Promise<Map<string, number>> {
    const response = await fetch(`${this.baseUrl}/metrics`);
    const sums = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      const sample = /^(\w+)(?:\{[^}]*\})? (\S+)$/.exec(line);
      if (sample) sums.set(sample[1], (sums.get(sample[1]) ?? 0) + Number(sample[2]));
    }
    return sums;
  }

  /** A full garbage collection in the controller (Chrome DevTools Protocol), so that heap figures are live data. */
  async collectGarbage(): Promise<void> {
    const socket = new WebSocket(await this.inspectorUrl);
    await once(socket, 'open');
    const done = once(socket, 'message');
    socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    await done;
    socket.close();
  }

  /** SIGTERM (a CPU profile is written on the way out), then drops the database. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await Promise.race([exited, sleep(40_000)]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    await this.dropDatabase();
  }

  private async waitUntilServing(): Promise<void> {
    for (let attempt = 0; attempt < 600; attempt++) {
      if (this.child.exitCode !== null) {
        throw new Error(`The controller exited with ${this.child.exitCode}; see ${this.logFile}`);
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
