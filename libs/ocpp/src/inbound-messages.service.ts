import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRPCError, IHandlersOption } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import type { ChargerSession } from './charger-session';
import { ChargerStateRepository } from './charger-state.repository';
import { InboundRateLimiter } from './inbound-rate-limiter';

/**
 * What every message a charger sends goes through, whatever its OCPP version: pacing per charger (a flood
 * from one cannot starve the others), proof that the charger is alive, and a failure of ours turned into
 * an `InternalError` CALLERROR.
 */
@Injectable()
export class InboundMessagesService {
  private readonly logger = new Logger(InboundMessagesService.name);
  private readonly limiter: InboundRateLimiter;
  /** Chargers being refused now: the first refusal is logged, not each one. */
  private readonly refusing = new Set<string>();

  constructor(
    private readonly chargerState: ChargerStateRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limiter = new InboundRateLimiter(
      config.OCPP_MESSAGE_RATE_PER_S,
      config.OCPP_MESSAGE_BURST,
      config.OCPP_MESSAGE_BACKLOG,
    );
  }

  handle<Request>(
    client: RPCServerClient,
    session: ChargerSession,
    action: string,
    handler: (request: Request) => Promise<object>,
  ): void {
    client.handle(action, ({ params }: IHandlersOption) =>
      this.answer(session, action, () => handler(params as Request)),
    );
  }

  /** The charger's pace starts afresh on its next connection. */
  forget(identity: string): void {
    this.limiter.forget(identity);
    this.refusing.delete(identity);
  }

  private async answer(
    session: ChargerSession,
    action: string,
    handle: () => Promise<object>,
  ): Promise<object> {
    await this.pace(session.identity, action);
    try {
      await this.chargerState.touch(session.chargerId, new Date());
      return await handle();
    } catch (error) {
      this.logger.error(`${action} from ${session.identity} failed: ${String(error)}`);
      throw createRPCError('InternalError', `${action} could not be processed`) as Error;
    }
  }

  private async pace(identity: string, action: string): Promise<void> {
    const waitMs = this.limiter.reserve(identity);
    if (waitMs === null) {
      if (!this.refusing.has(identity)) {
        this.refusing.add(identity);
        this.logger.warn(`${identity} sends too many messages: refusing them until it slows down`);
      }
      throw createRPCError('GenericError', `Too many messages: ${action} refused, slow down`) as Error;
    }
    this.refusing.delete(identity);
    if (waitMs > 0) await sleep(waitMs);
  }
}
