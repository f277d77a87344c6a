import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRPCError, IHandlersOption, RPCClient, RPCError } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import type { ChargerSession } from './charger-session';
import { ChargerStateRepository } from './charger-state.repository';
import { UpstreamLink, UpstreamRetry } from './upstream-link';
import { isAcceptedBoot, isStart16, mustReachUpstream } from './upstream-messages';
import { UpstreamOutboxRepository } from './upstream-outbox.repository';
import { UpstreamReplayService } from './upstream-replay.service';
import { UpstreamProfilesService } from './upstream-profiles.service';
import { UpstreamTransactionIdsService } from './upstream-transaction-ids.service';

/**
 * The charger's first messages wait for the upstream connection to open and for what was queued before them to
 * be replayed: an upstream that does not answer the handshake, or a long replay, must not hold them longer than
 * this each before they are answered locally (and queued when they must reach the upstream).
 */
const UPSTREAM_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The local answer of a message, computed once however many paths ask for it. */
type LocalAnswer = (upstreamAnswer?: object) => Promise<object>;

/**
 * Proxy mode: the connection gridflex opens to a charger's upstream central system, as the charger (same
 * identity, same subprotocol). The charger's calls get the upstream's answers (`forward`); the upstream's calls
 * reach the charger and its answers return unchanged, except the profile messages gridflex arbitrates
 * (`UpstreamProfilesService`).
 * Transactions and meter values the upstream could not receive are queued durably and replayed in order when it
 * is reachable again; OCPP 1.6 transaction ids are mapped between the two sides. One upstream connection per
 * charger connection, retried while the charger is connected, closed with it.
 */
@Injectable()
export class UpstreamProxyService {
  private readonly logger = new Logger(UpstreamProxyService.name);
  /** Per charger connection (its session): its upstream connection. */
  private readonly links = new Map<ChargerSession, UpstreamLink>();
  private readonly retry: UpstreamRetry;
  private readonly callTimeoutMs: number;

  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly outbox: UpstreamOutboxRepository,
    private readonly transactionIds: UpstreamTransactionIdsService,
    private readonly replays: UpstreamReplayService,
    private readonly upstreamProfiles: UpstreamProfilesService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.retry = { minMs: config.OCPP_UPSTREAM_RETRY_MIN_MS, maxMs: config.OCPP_UPSTREAM_RETRY_MAX_MS };
    this.callTimeoutMs = config.OCPP_CALL_TIMEOUT_MS;
  }

  /** Opens the upstream connection of a charger that has one; the charger's close closes it. */
  open(charger: RPCServerClient, session: ChargerSession): void {
    if (session.upstreamUrl === undefined) return;
    const client = this.createClient(charger, session, session.upstreamUrl);
    const presence = new UpstreamPresence(this.chargerState, session, this.logger);
    const link: UpstreamLink = new UpstreamLink(
      client,
      this.retry,
      {
        prepare: () => this.configurePassword(client, session),
        opened: () => {
          this.logger.log(`${session.identity} connected to its upstream central system`);
          presence.opened();
          this.replays.replay(link, session, { resync: true });
        },
        disconnected: () => {
          this.logger.warn(`${session.identity} lost its upstream: reconnecting`);
          presence.closed();
        },
        failed: (error, retryInMs) =>
          this.logger.warn(
            `${session.identity} could not connect to its upstream (${String(error)}): answering it locally, trying again in ${retryInMs} ms`,
          ),
      },
      UPSTREAM_HANDSHAKE_TIMEOUT_MS,
    );
    this.links.set(session, link);
    charger.once('close', () => {
      this.links.delete(session);
      link.close();
      presence.closed();
    });
  }

  /**
   * The upstream's answer to a charger's call, or the local answer when the upstream is not reachable. A
   * CALLERROR of the upstream is the charger's CALLERROR. The local handler runs either way, for gridflex's view of
   * the charger, and has finished before the charger gets its answer, so that the charger's next message finds
   * that view up to date. Transactions and meter values the upstream does not receive now, or that would overtake
   * queued ones, are answered locally and queued (`mustReachUpstream`).
   */
  async forward(
    session: ChargerSession,
    action: string,
    params: unknown,
    answerLocally: (upstreamAnswer?: object) => Promise<object>,
  ): Promise<object> {
    const link = this.links.get(session);
    await link?.ready;
    const local = once(answerLocally);
    if (mustReachUpstream(session.protocol, action)) {
      return this.forwardDurably(link, session, action, params, local);
    }
    if (action === 'BootNotification') return this.forwardBoot(link, session, params, local);
    if (!link?.isAccepting) return local();
    return (await this.forwardLive(link, session, action, params, local)) ?? local();
  }

  /**
   * A BootNotification goes upstream even when the upstream refused the one presented for the charger (this
   * one may be accepted). It is kept, with whether the upstream accepted it, so that an upstream that did not
   * can be shown it when its connection opens (`UpstreamReplayService`).
   */
  private async forwardBoot(
    link: UpstreamLink | undefined,
    session: ChargerSession,
    params: unknown,
    local: LocalAnswer,
  ): Promise<object> {
    let answer: object | undefined;
    try {
      if (link?.isOpen) answer = await this.forwardLive(link, session, 'BootNotification', params, local);
    } catch (error) {
      await this.chargerState.recordUpstreamBoot(session.chargerId, params, false);
      throw error;
    }
    const accepted = isAcceptedBoot(answer);
    await this.chargerState.recordUpstreamBoot(session.chargerId, params, accepted);
    // Accepted after the upstream refused the Boot presented for the charger: what waits can now be delivered.
    if (accepted && link && !link.isLive) {
      link.accept();
      this.replays.replay(link, session);
    }
    return answer ?? local();
  }

  private async forwardDurably(
    link: UpstreamLink | undefined,
    session: ChargerSession,
    action: string,
    params: unknown,
    local: LocalAnswer,
  ): Promise<object> {
    const wasLive = link?.isLive ?? false;
    if (link && wasLive) {
      const answer = isStart16(session.protocol, action)
        ? await this.startLive(link, session, params, local)
        : await this.forwardLive(link, session, action, params, local);
      if (answer) return answer;
    }
    const answer = await local();
    const transactionRef = await this.transactionIds.refOf(session, action, params, answer);
    const append = () =>
      this.outbox.append(session.chargerId, {
        action,
        params: params as Record<string, unknown>,
        transactionRef,
      });
    await (link ? link.enqueue(append) : append());
    // Queued because a live call failed on a connection that may still be open (a timeout): no opening will
    // start its replay.
    if (link && wasLive) this.replays.replay(link, session);
    return answer;
  }

  /**
   * An OCPP 1.6 start goes upstream first: the charger gets the upstream's transactionId, and the local
   * transaction is recorded under it before anything (a TxProfile) is sent to the charger naming it.
   */
  private async startLive(
    link: UpstreamLink,
    session: ChargerSession,
    params: unknown,
    local: LocalAnswer,
  ): Promise<object | undefined> {
    const answer = await this.callUpstream(link, session, 'StartTransaction', params);
    if (answer)
      await local(answer).catch((error: unknown) => this.localFailed(session, 'StartTransaction', error));
    return answer;
  }

  /** The upstream's answer, the local handler run alongside; undefined when the upstream was not reached. */
  private async forwardLive(
    link: UpstreamLink,
    session: ChargerSession,
    action: string,
    params: unknown,
    local: LocalAnswer,
  ): Promise<object | undefined> {
    const upstreamParams = await this.transactionIds.toUpstream(session, action, params);
    const [answer] = await Promise.allSettled([
      this.callUpstream(link, session, action, upstreamParams),
      local().catch((error: unknown) => this.localFailed(session, action, error)),
    ]);
    if (answer.status === 'rejected') throw answer.reason;
    return answer.value;
  }

  /** @throws the upstream's CALLERROR; undefined when the connection failed under the call or timed out */
  private async callUpstream(
    link: UpstreamLink,
    session: ChargerSession,
    action: string,
    params: unknown,
  ): Promise<object | undefined> {
    try {
      return (await link.client.call(action, params)) as object;
    } catch (error) {
      if (error instanceof RPCError) throw error;
      this.logger.warn(`${action} of ${session.identity} did not reach its upstream (${String(error)})`);
      return undefined;
    }
  }

  private localFailed(session: ChargerSession, action: string, error: unknown): void {
    this.logger.error(`${action} from ${session.identity} failed locally: ${String(error)}`);
  }

  private createClient(charger: RPCServerClient, session: ChargerSession, endpoint: string): RPCClient {
    const upstream = new RPCClient({
      endpoint,
      identity: session.identity,
      protocols: [session.protocol],
      strictMode: true,
      callTimeoutMs: this.callTimeoutMs,
      wsOpts: { handshakeTimeout: UPSTREAM_HANDSHAKE_TIMEOUT_MS },
      reconnect: true,
      backoff: {
        initialDelay: this.retry.minMs,
        maxDelay: this.retry.maxMs,
        factor: 2,
        randomisationFactor: 0.25,
      },
    } as ConstructorParameters<typeof RPCClient>[0]);
    upstream.handle(async ({ method, params }: IHandlersOption) => {
      const action = method ?? '';
      const chargerParams = await this.transactionIds.toCharger(session, action, params ?? {});
      return this.fromUpstream(charger, session, action, chargerParams);
    });
    upstream.on('socketError', (error: Error) =>
      this.logger.warn(`Upstream connection of ${session.identity} failed: ${error.message}`),
    );
    return upstream;
  }

  /** Read at each attempt, so that a password changed through the API is used at the next reconnection. */
  private async configurePassword(client: RPCClient, session: ChargerSession): Promise<void> {
    const password = await this.chargerState.upstreamPassword(session.chargerId);
    client.reconfigure({ password: password ?? undefined } as Parameters<RPCClient['reconfigure']>[0]);
  }

  private async fromUpstream(
    charger: RPCServerClient,
    session: ChargerSession,
    action: string,
    params: object,
  ): Promise<Record<string, unknown>> {
    if (this.upstreamProfiles.arbitrates(action))
      return this.upstreamProfiles.answer(session, action, params);
    if (charger.state !== RPCClient.OPEN) {
      throw createRPCError('GenericError', `${session.identity} is not connected`) as Error;
    }
    return (await charger.call(action, params)) as Record<string, unknown>;
  }
}

/**
 * Whether this instance holds an open upstream connection for the charger, as the charger views show it (any
 * instance answers them): the time it opened is stored, and cleared when it is lost unless a newer one (of
 * another instance, after a handover) replaced it.
 */
class UpstreamPresence {
  private since?: Date;
  /** Written in the order the connection changed. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly session: ChargerSession,
    private readonly logger: Logger,
  ) {}

  opened(): void {
    const since = new Date();
    this.since = since;
    this.write(() => this.chargerState.markUpstreamConnected(this.session.chargerId, since));
  }

  closed(): void {
    const since = this.since;
    if (!since) return;
    this.since = undefined;
    this.write(() => this.chargerState.markUpstreamDisconnected(this.session.chargerId, since));
  }

  private write(change: () => Promise<void>): void {
    this.writes = this.writes
      .then(change)
      .catch((error: unknown) =>
        this.logger.warn(
          `Recording the upstream connection of ${this.session.identity} failed: ${String(error)}`,
        ),
      );
  }
}

/** The function's first result, shared by every later call (whatever their arguments). */
function once<T>(run: (argument?: object) => Promise<T>): (argument?: object) => Promise<T> {
  let result: Promise<T> | undefined;
  return (argument) => (result ??= run(argument));
}
