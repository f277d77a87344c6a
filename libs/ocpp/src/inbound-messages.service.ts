import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRPCError, IHandlersOption, RPCError } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import type { ChargerSession } from './charger-session';
import { clockOffsetS, reportedClock } from './charger-clock';
import { ChargerStateRepository } from './charger-state.repository';
import type { HandlerTable, InboundHandler } from './handler-table';
import { InboundRateLimiter } from './inbound-rate-limiter';
import { route } from './message-route';
import { unstorableTextPath } from './storable-text';
import { UpstreamProxyService } from './upstream-proxy.service';

/**
 * What every message a charger sends goes through, whatever its OCPP version: pacing per charger (a flood
 * from one cannot starve the others), refusal of text we cannot store, proof that the charger is alive with
 * its clock offset, the choice of who answers it (`route`), and a failure of ours turned into an
 * `InternalError` CALLERROR. The versions differ only in their handler tables.
 */
@Injectable()
export class InboundMessagesService {
  private readonly logger = new Logger(InboundMessagesService.name);
  private readonly limiter: InboundRateLimiter;
  /** Chargers being refused now: the first refusal is logged, not each one. */
  private readonly refusing = new Set<string>();

  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly upstream: UpstreamProxyService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limiter = new InboundRateLimiter(
      config.OCPP_MESSAGE_RATE_PER_S,
      config.OCPP_MESSAGE_BURST,
      config.OCPP_MESSAGE_BACKLOG,
    );
  }

  /** Installs a version's handler table on a new connection, for the charger that authenticated on it. */
  register(client: RPCServerClient, session: ChargerSession, table: HandlerTable): void {
    for (const [action, handler] of Object.entries(table)) {
      client.handle(action, ({ params }: IHandlersOption) => this.answer(session, action, params, handler));
    }
  }

  /** The charger's pace starts afresh on its next connection. */
  forget(identity: string): void {
    this.limiter.forget(identity);
    this.refusing.delete(identity);
  }

  private async answer(
    session: ChargerSession,
    action: string,
    params: unknown,
    handler: InboundHandler,
  ): Promise<object> {
    await this.pace(session.identity, action);
    this.refuseUnstorableText(session, action, params);
    try {
      const receivedAt = new Date();
      const chargerTime = reportedClock(action, params);
      const offsetS = chargerTime ? clockOffsetS(chargerTime, receivedAt) : undefined;
      await this.chargerState.touch(session.chargerId, receivedAt, offsetS);
      this.logger.debug(`${action} from ${session.identity}`);
      const answerLocally = (upstreamAnswer?: object) =>
        handler(params as never, { session, receivedAt, upstreamAnswer });
      if (route(action, session) === 'forward') {
        return await this.upstream.forward(session, action, params, answerLocally);
      }
      return await answerLocally();
    } catch (error) {
      if (error instanceof RPCError) throw error;
      this.logger.error(`${action} from ${session.identity} failed: ${String(error)}`);
      throw createRPCError('InternalError', `${action} could not be processed`) as Error;
    }
  }

  /**
   * The OCPP schemas allow any character in a string, PostgreSQL does not: such a payload is refused as the
   * invalid field value it is, before anything of it is stored, rather than failing in the database.
   */
  private refuseUnstorableText(session: ChargerSession, action: string, params: unknown): void {
    const path = unstorableTextPath(params);
    if (path === null) return;
    this.logger.warn(`${action} from ${session.identity} refused: ${path} holds a NUL or unpaired surrogate`);
    throw createRPCError(
      'PropertyConstraintViolation',
      `${path} contains a character that is not allowed (NUL or an unpaired UTF-16 surrogate)`,
      { property: path },
    ) as Error;
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
