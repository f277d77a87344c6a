import { Injectable, Logger } from '@nestjs/common';
import { createRPCError, IHandlersOption, RPCClient } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import type { ChargerSession } from './charger-session';
import { ChargerStateRepository } from './charger-state.repository';
import { UpstreamProfilesService } from './upstream-profiles.service';

/**
 * The charger's first messages wait for the upstream connection to open: an upstream that does not answer the
 * handshake must not hold them longer than this before they are answered locally.
 */
const UPSTREAM_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Proxy mode: the connection gridflex opens to a charger's upstream central system, as the charger (same
 * identity, same subprotocol). The charger's calls get the upstream's answers (`forward`); the upstream's calls
 * reach the charger and its answers return unchanged, except the profile messages gridflex arbitrates
 * (`UpstreamProfilesService`).
 * One upstream connection per charger connection, closed with it.
 */
@Injectable()
export class UpstreamProxyService {
  private readonly logger = new Logger(UpstreamProxyService.name);
  /** Per charger connection (its session): the upstream connection, null when it could not be opened. */
  private readonly upstreams = new Map<ChargerSession, Promise<RPCClient | null>>();

  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly upstreamProfiles: UpstreamProfilesService,
  ) {}

  /** Opens the upstream connection of a charger that has one; the charger's close closes it. */
  open(charger: RPCServerClient, session: ChargerSession): void {
    if (session.upstreamUrl === undefined) return;
    const upstream = this.connect(charger, session, session.upstreamUrl);
    this.upstreams.set(session, upstream);
    charger.once('close', () => {
      this.upstreams.delete(session);
      void upstream.then((client) => client?.close({ force: true }));
    });
  }

  /**
   * The upstream's answer to a charger's call, or the local answer when the upstream is not connected (the
   * message is then not delivered upstream: durable queueing is a later increment). A CALLERROR of the
   * upstream is the charger's CALLERROR. The local handler runs either way, for gridflex's view of the charger, and
   * has finished before the charger gets its answer, so that the charger's next message finds that view up to date.
   */
  async forward(
    session: ChargerSession,
    action: string,
    params: unknown,
    answerLocally: () => Promise<object>,
  ): Promise<object> {
    const local = answerLocally();
    const upstream = await this.upstreams.get(session);
    if (!upstream || upstream.state !== RPCClient.OPEN) return local;
    const [answer] = await Promise.allSettled([
      upstream.call(action, params) as Promise<object>,
      local.catch((error: unknown) =>
        this.logger.error(`${action} from ${session.identity} failed locally: ${String(error)}`),
      ),
    ]);
    if (answer.status === 'rejected') throw answer.reason;
    return answer.value;
  }

  private async connect(
    charger: RPCServerClient,
    session: ChargerSession,
    endpoint: string,
  ): Promise<RPCClient | null> {
    try {
      const password = await this.chargerState.upstreamPassword(session.chargerId);
      const upstream = new RPCClient({
        endpoint,
        identity: session.identity,
        ...(password !== null && { password }),
        protocols: [session.protocol],
        strictMode: true,
        wsOpts: { handshakeTimeout: UPSTREAM_HANDSHAKE_TIMEOUT_MS },
      } as ConstructorParameters<typeof RPCClient>[0]);
      upstream.handle(({ method, params }: IHandlersOption) =>
        this.fromUpstream(charger, session, method ?? '', params ?? {}),
      );
      upstream.on('socketError', (error: Error) =>
        this.logger.warn(`Upstream connection of ${session.identity} failed: ${error.message}`),
      );
      await upstream.connect();
      this.logger.log(`${session.identity} connected to its upstream central system`);
      return upstream;
    } catch (error) {
      this.logger.warn(
        `${session.identity} could not connect to its upstream: answering it locally (${String(error)})`,
      );
      return null;
    }
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
