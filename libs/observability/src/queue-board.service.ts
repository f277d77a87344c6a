import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { BullBoardInstance, InjectBullBoard } from '@bull-board/nestjs';
import { QueueWorkerRegistry } from '@gridflex/common';

/** Shows on the dashboard every queue of the registry, including those registered at run time. */
@Injectable()
export class QueueBoardService implements OnApplicationBootstrap {
  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly registry: QueueWorkerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.onQueue((queue) => this.board.addQueue(new BullMQAdapter(queue)));
  }
}
