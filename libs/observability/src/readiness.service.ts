import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { sql } from 'drizzle-orm';
import { QueueWorkerRegistry } from '@gridflex/common';
import { Database, DATABASE } from '@gridflex/persistence';
import { RedisProbe } from './redis-probe.service';
import { withTimeout } from './with-timeout';

/** Each check answers within this, so that a probe gets its answer even when a server hangs. */
const CHECK_TIMEOUT_MS = 1500;

/** What this instance needs to do its work: the database, Redis, and its queue workers running. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(DATABASE) private readonly db: Database,
    private readonly redis: RedisProbe,
    private readonly registry: QueueWorkerRegistry,
  ) {}

  async database(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('database');
    try {
      await withTimeout(this.db.execute(sql`select 1`), CHECK_TIMEOUT_MS, 'The database');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: messageOf(error) });
    }
  }

  async redisAnswers(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    const status = await this.redis.check();
    return status.up ? indicator.up() : indicator.down({ message: status.reason });
  }

  queueWorkers(): HealthIndicatorResult {
    const indicator = this.indicators.check('queueWorkers');
    const workers = this.registry.workers();
    const stopped = workers.filter((worker) => !worker.isRunning()).map((worker) => worker.name);
    return stopped.length === 0
      ? indicator.up({ running: workers.length })
      : indicator.down({ message: `Not running: ${stopped.join(', ')}` });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
