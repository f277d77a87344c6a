import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import Redis from 'ioredis';

export class RedisUnavailableError extends Error {}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure Redis answers at `url`. For development, when nothing answers on a local address and
 * `redis-server` is installed, starts a private one (AOF on, data under `./data/redis`) that lives
 * as long as this process.
 */
export async function ensureRedis(url: string, autostart: boolean): Promise<ChildProcess | undefined> {
  if (await answers(url)) return undefined;
  const { hostname: host, port: urlPort } = new URL(url);
  const port = urlPort || '6379';
  const local = host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  if (!autostart || !local || !redisServerInstalled()) {
    throw new RedisUnavailableError(
      `Redis does not answer at ${new URL(url).host}. Start one (e.g. "apt-get install redis-server" then ` +
        `"redis-server --port ${port}") or set REDIS_URL to a running Redis.`,
    );
  }
  const dir = resolve('data', 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      port,
      '--bind',
      host === '[::1]' ? '::1' : '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await answers(url)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new RedisUnavailableError(`Started redis-server on port ${port} but it did not answer`);
}
