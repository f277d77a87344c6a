import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@gridflex/common/testing';

const BIN = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().pop() ?? '', 'bin');

/**
 * A PostgreSQL server of a test's own (initdb in a temporary directory, a free port, trust auth) that the test
 * may stop hard and start again, as a database restart or failover does. Runs as `postgres` when the tests
 * run as root, since PostgreSQL refuses to.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'gridflex-pg-'));
    chmodSync(dir, 0o777);
    const server = new PrivatePostgres(dir, await freePort());
    server.run('initdb', ['-D', server.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await server.restart();
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Starts the server (again) and resolves once it accepts connections. */
  async restart(): Promise<void> {
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      'start',
    ]);
    await waitForExit('pg_isready', ['-h', '127.0.0.1', '-p', String(this.port)]);
  }

  /** Immediate shutdown: every connection is cut, as when the server crashes. */
  stopHard(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stopHard();
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[]): void {
    const binary = join(BIN, command);
    if (userInfo().uid === 0)
      execFileSync('runuser', ['-u', 'postgres', '--', binary, ...args], { stdio: 'pipe' });
    else execFileSync(binary, args, { stdio: 'pipe' });
  }
}

async function waitForExit(command: string, args: string[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const child = spawn(join(BIN, command), args, { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${command} ${args.join(' ')} never succeeded`);
}
