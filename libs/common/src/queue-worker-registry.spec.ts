import { randomBytes } from 'node:crypto';
import { BullModule, Processor, WorkerHost } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, Worker } from 'bullmq';
import { AppConfigModule } from '@gridflex/config';
import { CommonModule } from './common.module';
import { QueueWorkerRegistry } from './queue-worker-registry';

const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `gridflex-registry-${randomBytes(4).toString('hex')}`;

@Processor('registry-discovered')
class DiscoveredProcessor extends WorkerHost {
  async process(): Promise<void> {}
}

describe('QueueWorkerRegistry', () => {
  let app: INestApplicationContext;
  let registry: QueueWorkerRegistry;
  const byHand: { queue?: Queue; worker?: Worker } = {};

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot({ ADMIN_API_KEY: randomBytes(16).toString('hex') }),
        CommonModule,
        BullModule.forRoot({ connection: { url: REDIS_URL }, prefix: PREFIX }),
        BullModule.registerQueue({ name: 'registry-discovered' }, { name: 'registry-producer-only' }),
      ],
      providers: [DiscoveredProcessor],
    }).compile();
    app = await moduleRef.init();
    registry = app.get(QueueWorkerRegistry);
  });

  afterAll(async () => {
    await byHand.worker?.close();
    await byHand.queue?.close();
    await app.close();
  });

  const names = (items: { name: string }[]) => items.map((item) => item.name).sort();

  it('finds the queues and processor workers @nestjs/bullmq created', () => {
    expect(names(registry.queues())).toEqual(['registry-discovered', 'registry-producer-only']);
    expect(names(registry.workers())).toEqual(['registry-discovered']);
    expect(registry.workers()[0].isRunning()).toBe(true);
  });

  it('takes queues and workers created at run time, once each, and tells listeners old and new', () => {
    const seen: string[] = [];
    registry.onQueue((queue) => seen.push(queue.name));
    expect(seen.sort()).toEqual(['registry-discovered', 'registry-producer-only']);

    byHand.queue = new Queue('registry-by-hand', { connection: { url: REDIS_URL }, prefix: PREFIX });
    byHand.worker = new Worker('registry-by-hand', () => Promise.resolve(), {
      connection: { url: REDIS_URL },
      prefix: PREFIX,
    });
    registry.registerQueue(byHand.queue);
    registry.registerQueue(byHand.queue);
    registry.registerWorker(byHand.worker);
    registry.registerWorker(byHand.worker);

    expect(seen).toHaveLength(3);
    expect(seen[2]).toBe('registry-by-hand');
    expect(names(registry.queues())).toEqual([
      'registry-by-hand',
      'registry-discovered',
      'registry-producer-only',
    ]);
    expect(names(registry.workers())).toEqual(['registry-by-hand', 'registry-discovered']);
  });

  it('keeps queues of the same name under different prefixes apart', async () => {
    const other = new Queue('registry-discovered', {
      connection: { url: REDIS_URL },
      prefix: `${PREFIX}-other`,
    });
    try {
      registry.registerQueue(other);
      expect(registry.queues().filter((queue) => queue.name === 'registry-discovered')).toHaveLength(2);
    } finally {
      await other.close();
    }
  });
});
