import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import request from 'supertest';
import { freePort } from '@gridflex/common/testing';
import { TEST_API_KEY, waitFor } from './test-controller';

const ROOT = resolve(__dirname, '../../..');
const MAIN = resolve(ROOT, 'dist/apps/controller/apps/controller/src/main.js');

const STALE_BUILD_LOCK_MS = 10 * 60_000;

/** What `nest build controller` compiles and copies: a build newer than all of them is current. */
const BUILD_INPUTS = [
  'apps/controller/src',
  'libs',
  'config',
  'tsconfig.json',
  'nest-cli.json',
  'package-lock.json',
];

/**
 * Builds the controller as `npm start` does, so that tests can run it as separate processes; several test
 * files need it in one run, and a build newer than every file it is made from is not made again.
 */
export function buildController(): void {
  whileHoldingBuildLock(() => {
    if (!buildIsCurrent()) execFileSync('npx', ['nest', 'build', 'controller'], { cwd: ROOT, stdio: 'pipe' });
  });
}

/** Test files in parallel workers must not build into the same `dist/` at once: a directory is the lock. */
function whileHoldingBuildLock(build: () => void): void {
  const lock = resolve(ROOT, 'dist', '.controller-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than any build is left by a killed run.
      const takenAt = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - takenAt > STALE_BUILD_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function buildIsCurrent(): boolean {
  if (!existsSync(MAIN)) return false;
  const builtAt = statSync(MAIN).mtimeMs;
  return BUILD_INPUTS.every((input) => newestChange(resolve(ROOT, input)) < builtAt);
}

/** The latest modification time of `path` or of anything under it, less other builds' output. */
function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.name !== 'dist' && entry.name !== 'node_modules')
    .reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry.name))), stats.mtimeMs);
}

export interface ControllerProcess {
  host: string;
  child: ChildProcess;
  /** SIGKILL: no shutdown hook runs, as when a host dies. */
  kill(): Promise<void>;
  /** SIGTERM, resolving with the exit code once the process has ended. */
  stop(): Promise<number | null>;
  admin: { get(path: string): request.Test; post(path: string, body: object): request.Test };
}

/**
 * The built controller in a process of its own, on `env.PORT` or else a free port; resolves once its admin API
 * answers, and kills the process when it never does. With `trustedCa`, it serves HTTPS (`TLS_*` in `env`) and
 * the admin client trusts that certificate.
 */
export async function startControllerProcess(
  env: Record<string, string>,
  trustedCa?: string,
): Promise<ControllerProcess> {
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT);
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_API_KEY: TEST_API_KEY,
      REDIS_AUTOSTART: 'false',
      LOG_LEVEL: 'warn',
      // The tests' chargers connect without booting: protected at once, as chargers that reconnected.
      OCPP_BOOT_WAIT_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const host = `127.0.0.1:${port}`;
  const base = `${trustedCa ? 'https' : 'http'}://${host}`;
  const trusting = (test: request.Test) => (trustedCa ? test.ca(trustedCa) : test);
  const admin = {
    get: (path: string) => trusting(request(base).get(path)).set('X-API-Key', TEST_API_KEY),
    post: (path: string, body: object) =>
      trusting(request(base).post(path)).set('X-API-Key', TEST_API_KEY).send(body),
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}`);
      try {
        return (await admin.get('/api/v1/sites')).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    }, 300);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    host,
    child,
    admin,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
