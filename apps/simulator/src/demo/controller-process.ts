import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** The built controller (`nest build controller`), as `npm start` runs it. */
const CONTROLLER_MAIN = resolve('dist', 'apps', 'controller', 'apps', 'controller', 'src', 'main.js');
export const DEMO_DIR = resolve('data', 'demo');

export interface DemoController {
  baseUrl: string;
  apiKey: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the controller as a child process on a throw-away in-memory database, with its own admin key and
 * queue prefix, so the demo leaves `./data` of `npm start` alone (only its log goes to `./data/demo`). Its
 * DSO heartbeat interval is short so that a silent DSO is noticed within half a minute.
 */
export async function startController(port: number): Promise<DemoController> {
  if (!existsSync(CONTROLLER_MAIN))
    throw new Error(`${CONTROLLER_MAIN} is missing: run "nest build controller"`);
  mkdirSync(DEMO_DIR, { recursive: true });
  const logFile = join(DEMO_DIR, 'controller.log');
  const apiKey = randomBytes(24).toString('base64url');
  const child = spawn(process.execPath, [CONTROLLER_MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PGLITE_DATA_DIR: 'memory://',
      DATABASE_URL: '',
      ADMIN_API_KEY: apiKey,
      OSCP_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      QUEUE_PREFIX: 'gridflex-demo',
      OSCP_HEARTBEAT_INTERVAL_S: '10',
      // The demo's curtailment window starts and ends where it is, not on a minute.
      OSCP_MIN_BLOCK_S: '1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilServing(child, baseUrl, logFile);
  return { baseUrl, apiKey, logFile, stop: () => stopProcess(child) };
}

async function waitUntilServing(child: ChildProcess, baseUrl: string, logFile: string): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null)
      throw new Error(`The controller stopped (exit ${child.exitCode}); see ${logFile}`);
    const serving = await fetch(`${baseUrl}/dashboard`)
      .then((r) => r.ok)
      .catch(() => false);
    if (serving) return;
    await delay(250);
  }
  await stopProcess(child);
  throw new Error(`The controller did not answer on ${baseUrl} within a minute; see ${logFile}`);
}

/** SIGTERM (the controller closes its queues and connections), SIGKILL if it has not gone in 10 s. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
