import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { Queue, Worker } from 'bullmq';

export type QueueListener = (queue: Queue) => void;

/**
 * Every BullMQ queue and worker of this process: those `@nestjs/bullmq` creates (registered queues,
 * `WorkerHost` processors), found at bootstrap, and those code creates by hand at run time, which
 * register themselves. Health (are the workers running?), metrics and the queue dashboard read it.
 */
@Injectable()
export class QueueWorkerRegistry implements OnApplicationBootstrap {
  private readonly queuesByKey = new Map<string, Queue>();
  private readonly workerSet = new Set<Worker>();
  private readonly queueListeners: QueueListener[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  /** `@nestjs/bullmq` creates processor workers in `onModuleInit`, so they all exist by now. */
  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue) this.registerQueue(instance as Queue);
      if (instance instanceof WorkerHost && wrapper.isDependencyTreeStatic()) {
        this.registerWorker((instance as WorkerHost).worker);
      }
    }
  }

  /** Idempotent; a queue is known by its prefix and name, as Redis knows it. */
  registerQueue(queue: Queue): void {
    const key = `${queue.opts.prefix ?? 'bull'}:${queue.name}`;
    if (this.queuesByKey.has(key)) return;
    this.queuesByKey.set(key, queue);
    for (const listener of this.queueListeners) listener(queue);
  }

  registerWorker(worker: Worker): void {
    this.workerSet.add(worker);
  }

  queues(): Queue[] {
    return [...this.queuesByKey.values()];
  }

  workers(): Worker[] {
    return [...this.workerSet];
  }

  /** Calls `listener` for every queue known now and for each one registered later. */
  onQueue(listener: QueueListener): void {
    this.queueListeners.push(listener);
    for (const queue of this.queuesByKey.values()) listener(queue);
  }
}
