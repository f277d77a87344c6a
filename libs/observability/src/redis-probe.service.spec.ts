import { EventEmitter2 } from '@nestjs/event-emitter';
import { REDIS_RECONNECTED } from '@gridflex/common';
import { AppConfig, validateEnvironment } from '@gridflex/config';
import { PrivateRedis } from '@gridflex/observability/testing';
import { RedisProbe } from './redis-probe.service';

describe('RedisProbe', () => {
  let redis: PrivateRedis;
  let probe: RedisProbe;
  const events = new EventEmitter2();
  let reconnections = 0;
  events.on(REDIS_RECONNECTED, () => reconnections++);

  const upAgain = async () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await probe.check()).up) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('Redis did not come back');
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const config: AppConfig = validateEnvironment({ REDIS_URL: redis.url });
    probe = new RedisProbe(config, events);
    await probe.onModuleInit();
  });

  afterAll(async () => {
    redis.resume();
    probe.onApplicationShutdown();
    await redis.kill();
  });

  it('is up once started, while Redis answers', async () => {
    await expect(probe.check()).resolves.toEqual({ up: true });
    expect(reconnections).toBe(0);
  });

  it('is down as soon as the connection drops, naming why, and up once Redis is back', async () => {
    await redis.kill();
    let status = await probe.check();
    for (let attempt = 0; status.up && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = await probe.check();
    }
    expect(status).toEqual({
      up: false,
      reason: expect.stringMatching(/^connection (connecting|reconnecting)/),
    });
    await redis.restart();
    await upAgain();
    expect(reconnections).toBe(1);
  });

  it('is down when Redis hangs without closing the connection', async () => {
    await upAgain();
    // The answer of a moment ago is reused for a second; wait that out, then ask a hung server.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    redis.pause();
    await expect(probe.check()).resolves.toEqual({ up: false, reason: 'PING did not answer within 1000 ms' });
    redis.resume();
    await upAgain();
  });
});
