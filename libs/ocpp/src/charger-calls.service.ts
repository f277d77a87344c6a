import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ChargerOwnershipService, InstanceService } from '@gridflex/cluster';
import { QueueWorkerRegistry, queueOptions } from '@gridflex/common';
import { ChargerOfflineError, OcppCallError, OcppCallTimeoutError } from './errors';
import { OcppGatewayService } from './ocpp-gateway.service';

const CHARGER_CALLS_QUEUE = 'charger-calls';
/** Beyond the charger's own timeout: the hop through Redis to the instance holding it, and back. */
const RELAY_MARGIN_MS = 5_000;

interface RelayedCall {
  identity: string;
  action: string;
  payload: object;
}

/** The call's outcome as data, so that it crosses instances intact. */
type RelayedOutcome =
  | { ok: true; answer: unknown }
  | { ok: false; kind: 'offline' | 'timeout' | 'call-error'; code?: string; description?: string };

/**
 * CALLs to a charger from any instance: sent directly when this instance holds the charger's socket,
 * otherwise relayed through the `charger-calls-{instance}` queue of the instance that does, whose answer
 * comes back through BullMQ's queue events. The errors are those of `OcppGatewayService.call`.
 */
@Injectable()
export class ChargerCallsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChargerCallsService.name);
  private readonly queues = new Map<string, Queue<RelayedCall>>();
  /** Only for the instances this one relays to: each holds a blocking Redis connection. */
  private readonly events = new Map<string, Promise<QueueEvents>>();
  private worker?: Worker<RelayedCall, RelayedOutcome>;

  constructor(
    private readonly gateway: OcppGatewayService,
    private readonly ownership: ChargerOwnershipService,
    private readonly instance: InstanceService,
    private readonly registry: QueueWorkerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<RelayedCall, RelayedOutcome>(
      queueName(this.instance.id),
      (job: Job<RelayedCall>) => this.answer(job.data),
      { ...this.connection(), concurrency: 50 },
    );
    this.worker.on('error', (error) => this.logger.warn(`Relayed calls worker: ${error.message}`));
    this.registry.registerWorker(this.worker);
    this.registry.registerQueue(this.queueOf(this.instance.id));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    for (const queue of this.queues.values()) await queue.close();
    for (const events of this.events.values()) await (await events).close();
  }

  async call<T>(identity: string, action: string, payload: object): Promise<T> {
    if (this.gateway.isConnected(identity)) return this.gateway.call<T>(identity, action, payload);
    const owner = await this.ownership.ownerOf(identity);
    if (owner === null || this.ownership.isSelf(owner)) throw new ChargerOfflineError(identity);
    return this.relay<T>(owner, { identity, action, payload });
  }

  private async relay<T>(owner: string, call: RelayedCall): Promise<T> {
    const ready = await this.eventsOf(owner);
    const job = await this.queueOf(owner).add(call.action, call, {
      removeOnComplete: true,
      removeOnFail: true,
    });
    const outcome = (await job.waitUntilFinished(
      ready,
      this.config.OCPP_CALL_TIMEOUT_MS + RELAY_MARGIN_MS,
    )) as RelayedOutcome;
    if (outcome.ok) return outcome.answer as T;
    if (outcome.kind === 'offline') throw new ChargerOfflineError(call.identity);
    if (outcome.kind === 'timeout') throw new OcppCallTimeoutError(call.identity, call.action);
    throw new OcppCallError(call.identity, call.action, outcome.code ?? '', outcome.description ?? '');
  }

  private async answer({ identity, action, payload }: RelayedCall): Promise<RelayedOutcome> {
    try {
      return { ok: true, answer: await this.gateway.call<unknown>(identity, action, payload) };
    } catch (error) {
      if (error instanceof ChargerOfflineError) return { ok: false, kind: 'offline' };
      if (error instanceof OcppCallTimeoutError) return { ok: false, kind: 'timeout' };
      if (error instanceof OcppCallError) {
        return { ok: false, kind: 'call-error', code: error.code, description: error.description };
      }
      throw error;
    }
  }

  private queueOf(owner: string): Queue<RelayedCall> {
    let queue = this.queues.get(owner);
    if (!queue) {
      queue = new Queue<RelayedCall>(queueName(owner), this.connection());
      this.queues.set(owner, queue);
    }
    return queue;
  }

  private eventsOf(owner: string): Promise<QueueEvents> {
    let events = this.events.get(owner);
    if (!events) {
      const listener = new QueueEvents(queueName(owner), this.connection());
      events = listener.waitUntilReady().then(() => listener);
      this.events.set(owner, events);
    }
    return events;
  }

  private connection() {
    return queueOptions(this.config);
  }
}

function queueName(instanceId: string): string {
  return `${CHARGER_CALLS_QUEUE}-${instanceId}`;
}
