import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { RPCClient, RPCError, RPCServer, TimeoutError } from 'ocpp-rpc';
import type { IHandshakeInterface } from 'ocpp-rpc/lib/server-client';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import type { schema } from '@gridflex/persistence';
import { ChargerOwnershipService } from '@gridflex/cluster';
import { AuthThrottleService, KeyedSerialQueue, verifyPassword } from '@gridflex/common';
import { discoverCapabilities, OcppCall } from './capability-discovery';
import { CallAbandonedError, ChargerConnection } from './charger-connection';
import { ChargerSession, OCPP_PROTOCOLS, OcppProtocol } from './charger-session';
import { ChargerStateRepository, StationMaxContext } from './charger-state.repository';
import { discoveryRetryDelayMs } from './discovery-retry';
import { ChargerOfflineError, OcppCallAbandonedError, OcppCallError, OcppCallTimeoutError } from './errors';
import { ChargerAuthThrottle } from './charger-auth-throttle';
import { InboundMessagesService } from './inbound-messages.service';
import { ChargerStateChangeReason, ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from './events';
import { Ocpp16HandlersService } from './ocpp16/ocpp16-handlers.service';
import { Ocpp201HandlersService } from './ocpp201/ocpp201-handlers.service';
import {
  capabilitiesChangeProfiles,
  ChargerCapabilities,
  ProfileLimits,
  profileLimits,
} from './capabilities';
import type { ProfilePeriod } from './profiles/profile-schedule';
import { heldPlan, holdEnd } from './profiles/failsafe-hold';
import { ceilingPeakA, cutCeiling, sameCeiling, stationCeiling } from './profiles/station-ceiling';
import { buildStationMaxProfile16, buildStationMaxProfile201 } from './profiles/station-max-profile';
import { ceilingUnderUpstream } from './profiles/upstream-clamp';
import { CeilingInputs, StationCeilingRepository } from './station-ceiling.repository';
import { unstorableTextPath } from './storable-text';
import { UpstreamProxyService } from './upstream-proxy.service';

const SUBPROTOCOLS: string[] = [...OCPP_PROTOCOLS];
const GOING_AWAY = 1001;
/** OCPP 2.0.1 part 4 §3.2: a station identity is at most 48 characters. */
const MAX_IDENTITY_LENGTH_201 = 48;
/**
 * permessage-deflate for messages of 1 KiB or more, without context takeover. With ws's defaults (context
 * takeover) every message, however small, is compressed, and each connection keeps a zlib deflate and
 * inflate state for life: ≈ 300 KiB of native memory per charger and a tenth of the dispatch CPU
 * (`npm run bench:dispatch`), for OCPP messages of a few hundred bytes.
 */
const PER_MESSAGE_DEFLATE = { threshold: 1024, serverNoContextTakeover: true, clientNoContextTakeover: true };

export interface OcppCallOptions {
  /** Overrides `OCPP_CALL_TIMEOUT_MS` for this call. */
  timeoutMs?: number;
}

type Accept = (session?: Record<string, unknown>, protocol?: string) => void;
type Reject = (code: number, message: string) => void;

/**
 * The OCPP-J endpoint `/ocpp/{identity}` on the application's HTTP server: authenticates chargers, keeps one
 * connection per identity, records connects and disconnects, and sends CALLs to chargers. ocpp-rpc sends one
 * CALL at a time per connection and queues the rest, as OCPP requires.
 */
@Injectable()
export class OcppGatewayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OcppGatewayService.name);
  private readonly clients = new Map<string, RPCServerClient>();
  /** Each connection's calls and where its charger is in its boot. */
  private readonly connections = new WeakMap<RPCServerClient, ChargerConnection>();
  /** Connect and disconnect writes of one identity must land in the order they happened. */
  private readonly lifecycle = new KeyedSerialQueue();
  /** The station-wide maximum each connection holds, as last answered by the charger, and what it was built for. */
  private readonly installedCeilings = new WeakMap<
    RPCServerClient,
    { ceiling: ProfilePeriod[]; limits: ProfileLimits }
  >();
  /**
   * How the connection's charger last answered its station maximum: stored with the capabilities, which
   * discovery learns after it, or beside those of an earlier connection.
   */
  private readonly stationMaxOutcomes = new WeakMap<RPCServerClient, schema.StationMaxProfileOutcome>();
  /** A station maximum cut to the charger's period limit is sent again when its cut period begins. */
  private readonly ceilingRechecks = new WeakMap<RPCServerClient, NodeJS.Timeout>();
  /** Pushes to connectors of one charger check its station maximum one at a time, so it is sent once. */
  private readonly ceilingChecks = new KeyedSerialQueue();
  private readonly rpc: RPCServer;
  private readonly failedAuth: ChargerAuthThrottle;
  private httpServer?: Server;
  private readonly failsafeHoldMs: number;
  private readonly callTimeoutMs: number;
  private readonly bootWaitMs: number;
  private readonly preBootTimeoutMs: number;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly chargerState: ChargerStateRepository,
    private readonly handlers16: Ocpp16HandlersService,
    private readonly handlers201: Ocpp201HandlersService,
    private readonly events: EventEmitter2,
    private readonly ownership: ChargerOwnershipService,
    private readonly inbound: InboundMessagesService,
    private readonly upstream: UpstreamProxyService,
    private readonly ceilings: StationCeilingRepository,
    private readonly authThrottle: AuthThrottleService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.failedAuth = new ChargerAuthThrottle(authThrottle, config.AUTH_MAX_FAILURES);
    this.failsafeHoldMs = config.OCPP_FAILSAFE_HOLD_S * 1000;
    this.callTimeoutMs = config.OCPP_CALL_TIMEOUT_MS;
    this.bootWaitMs = config.OCPP_BOOT_WAIT_MS;
    this.preBootTimeoutMs = config.OCPP_PRE_BOOT_CALL_TIMEOUT_MS;
    this.rpc = new RPCServer({
      protocols: SUBPROTOCOLS,
      strictMode: SUBPROTOCOLS,
      callTimeoutMs: config.OCPP_CALL_TIMEOUT_MS,
      // ws applies maxPayload to a message as inflated, so a small compressed frame cannot grow past it.
      wssOptions: { perMessageDeflate: PER_MESSAGE_DEFLATE, maxPayload: config.OCPP_MAX_PAYLOAD_BYTES },
    });
    this.rpc.auth((accept, reject, handshake) => void this.authenticate(accept, reject, handshake));
    this.rpc.on('client', (client: RPCServerClient) => this.onClient(client));
    this.rpc.on('error', (error: unknown) => this.logger.error(`WebSocket server error: ${String(error)}`));
    this.ownership.onLost((identity) => this.onTakenOver(identity));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.forgetAbandonedConnections();
    const httpServer = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!httpServer) {
      this.logger.warn('No HTTP server in this process: OCPP connections are not accepted');
      return;
    }
    httpServer.on('upgrade', this.onUpgrade);
    this.httpServer = httpServer;
  }

  /**
   * Closes every connection before Nest closes the HTTP server, which would otherwise wait for the open
   * WebSockets, and while the database can still record the disconnects.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.httpServer?.off('upgrade', this.onUpgrade);
    await Promise.allSettled([...this.clients.values()].map(closeGracefully));
    await this.rpc.close({ code: GOING_AWAY });
    await this.lifecycle.drain();
  }

  isConnected(identity: string): boolean {
    return this.clients.has(identity);
  }

  /** Chargers connected to this instance. */
  connectedCount(): number {
    return this.clients.size;
  }

  /**
   * No socket is open here yet, whatever this instance's previous life recorded; chargers that another live
   * instance holds stay connected. Those of instances that died are found by the cluster janitor.
   */
  private async forgetAbandonedConnections(): Promise<void> {
    const connected = await this.chargerState.listConnected();
    const owners = await this.ownership.ownersOf(connected.map((charger) => charger.identity));
    const ours = connected.filter((charger) => this.ownership.isSelf(owners.get(charger.identity)));
    const abandoned = connected.filter(
      (charger) => owners.get(charger.identity) === null || ours.includes(charger),
    );
    await this.ownership.forgetPreviousLife(ours.map((charger) => charger.identity));
    await this.chargerState.markManyDisconnected(abandoned.map((charger) => charger.id));
  }

  /**
   * Resolves once the charger of the open connection has been protected since it last booted (its station
   * maximum sent), so that a connector profile goes after it. Never waits for capability discovery: profiles
   * are built from what is known meanwhile (`profileLimits`).
   * @throws ChargerOfflineError when no connection of that identity is open
   */
  async whenProtected(identity: string): Promise<void> {
    const client = this.clients.get(identity);
    if (!client) throw new ChargerOfflineError(identity);
    await this.connections.get(client)?.whenProtected();
  }

  /** The subprotocol of the charger's open connection; undefined while it is offline. */
  protocolOf(identity: string): OcppProtocol | undefined {
    return (this.clients.get(identity)?.session as ChargerSession | undefined)?.protocol;
  }

  /**
   * Sends a CALL and resolves with the charger's answer (validated against the OCPP schema).
   * @throws ChargerOfflineError when no connection of that identity is open, or it closes during the call
   * @throws OcppCallTimeoutError when the charger does not answer in time
   * @throws OcppCallError when the charger answers with a CALLERROR or an invalid result
   */
  async call<T>(
    identity: string,
    action: string,
    payload: object,
    options: OcppCallOptions = {},
  ): Promise<T> {
    const client = this.clients.get(identity);
    if (!client) throw new ChargerOfflineError(identity);
    return this.callClient<T>(client, action, payload, options);
  }

  /**
   * The station maximum sent on connect is the charger's safe share; a plan that gives the charger more (a lone
   * EV at a site of many chargers) would be cut to it by the charger. So before a connector profile goes out,
   * the dispatch worker has the maximum follow the charger's plans (`stationCeiling`, from `inputs` read with
   * the push) — sent only when that changed, so a re-plan costs at most one more push per charger whose
   * ceiling changed. Never rejects: the connector profile goes out either way.
   */
  async keepStationCeiling(identity: string, inputs: CeilingInputs): Promise<void> {
    const client = this.clients.get(identity);
    if (!client) return;
    const session = client.session as ChargerSession;
    await this.connections.get(client)?.whenProtected();
    await this.ceilingChecks.run(identity, () => this.sendStationMaxProfile(client, session, inputs));
  }

  private async callClient<T>(
    client: RPCServerClient,
    action: string,
    payload: object,
    options: OcppCallOptions,
  ): Promise<T> {
    const connection = this.connections.get(client);
    try {
      if (!connection) throw new ChargerOfflineError(client.identity ?? '');
      const send = (sendOptions: object) => client.call(action, payload, sendOptions);
      return (await connection.send(send, options.timeoutMs)) as T;
    } catch (error) {
      throw callFailure(client, action, payload, error);
    }
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (isOcppPath(request.url)) {
      this.rpc
        .handleUpgrade(request, socket as Socket, head)
        .catch((error: unknown) => this.logger.error(`OCPP upgrade failed: ${String(error)}`));
    } else if (this.httpServer?.listenerCount('upgrade') === 1) {
      // Nobody else handles WebSocket upgrades on this server: do not leave the socket hanging.
      refuseUpgrade(socket, 404);
    }
  };

  private async authenticate(accept: Accept, reject: Reject, handshake: IHandshakeInterface): Promise<void> {
    const { identity } = handshake;
    if (unstorableTextPath(identity) !== null) {
      this.logger.warn('Refused a connection: its identity holds a NUL or unpaired surrogate');
      return reject(400, 'Invalid identity');
    }
    if (!SUBPROTOCOLS.some((protocol) => handshake.protocols.has(protocol))) {
      this.logger.warn(`Refused ${identity}: offers none of the subprotocols ${SUBPROTOCOLS.join(', ')}`);
      return reject(400, 'No supported OCPP subprotocol');
    }
    const address = this.authThrottle.addressOf(handshake.request);
    try {
      const charger = await this.chargerState.findByIdentity(identity);
      const refusal = this.failedAuth.refusal(address, identity, charger !== null);
      if (refusal !== undefined) return reject(429, refusal);
      if (!charger) {
        this.failedAuth.unknownIdentity(address, identity);
        return reject(404, 'Unknown charge point');
      }
      if (
        charger.passwordHash !== null &&
        !(await passwordMatches(handshake.password, charger.passwordHash))
      ) {
        this.failedAuth.wrongPassword(address, identity, handshake.password !== undefined);
        return reject(401, 'Unauthorized');
      }
      this.failedAuth.succeeded(address, identity);
      const protocol = chooseProtocol(handshake.protocols, charger.ocppVersion);
      if (protocol === 'ocpp2.0.1' && identity.length > MAX_IDENTITY_LENGTH_201) {
        this.logger.warn(`Refused ${identity}: an OCPP 2.0.1 identity has at most 48 characters`);
        return reject(400, 'Identity too long for OCPP 2.0.1');
      }
      const session: ChargerSession = {
        chargerId: charger.id,
        identity,
        siteId: charger.siteId,
        protocol,
        ...(charger.upstreamUrl !== null && { upstreamUrl: charger.upstreamUrl }),
      };
      accept(session, protocol);
    } catch (error) {
      this.logger.error(`Authenticating ${identity} failed: ${String(error)}`);
      reject(500, 'Internal error');
    }
  }

  private onClient(client: RPCServerClient): void {
    const session = client.session as ChargerSession;
    const previous = this.clients.get(session.identity);
    const connection = new ChargerConnection(this.callTimeoutMs, this.preBootTimeoutMs);
    this.connections.set(client, connection);
    this.clients.set(session.identity, client);
    this.watchBoots(client, session, connection);
    const handlers = session.protocol === 'ocpp2.0.1' ? this.handlers201 : this.handlers16;
    this.inbound.register(client, session, handlers.table);
    this.upstream.open(client, session);
    client.once('close', () => this.onClose(client, session));
    client.on('socketError', (error: Error) =>
      this.logger.warn(`Connection of ${session.identity} failed: ${error.message}`),
    );
    this.logger.log(
      `${session.identity} connected from ${this.authThrottle.addressOf(client.handshake.request)}`,
    );
    if (previous) {
      this.logger.log(`${session.identity} reconnected: closing its previous connection`);
      previous
        .close({ code: GOING_AWAY, reason: 'Replaced by a newer connection' })
        .catch((error: unknown) =>
          this.logger.warn(`Closing a replaced connection failed: ${String(error)}`),
        );
    }
    this.lifecycle
      .run(session.identity, async () => {
        await this.claim(session.identity);
        await this.chargerState.markConnected(session.chargerId, new Date());
      })
      .catch((error: unknown) =>
        this.logger.error(`Recording ${session.identity} connected failed: ${String(error)}`),
      );
    void this.protectOnConnect(client, session, connection);
  }

  /**
   * A BootNotification abandons whatever was asked of the charger before it (a charger that has just started
   * answers nothing until its Boot is accepted). Once the answer to it has been written — ocpp-rpc reports the
   * result just before writing it — the charger is protected anew: after an Accepted Boot with the full call
   * timeout, after a Boot we failed to accept as a charger that has not booted yet.
   */
  private watchBoots(client: RPCServerClient, session: ChargerSession, connection: ChargerConnection): void {
    const isBoot = (outbound: boolean, method: unknown) => !outbound && method === 'BootNotification';
    client.on('call', ({ outbound, payload }: { outbound: boolean; payload: unknown[] }) => {
      if (isBoot(outbound, payload[2])) connection.bootStarted();
    });
    client.on('callResult', ({ outbound, method, result }: BootOutcome) => {
      if (!isBoot(outbound, method)) return;
      if ((result as { status?: string } | undefined)?.status === 'Accepted') connection.bootAccepted();
      setImmediate(() => void this.protect(client, session, connection));
    });
    client.on('callError', ({ outbound, method }: BootOutcome) => {
      if (isBoot(outbound, method)) setImmediate(() => void this.protect(client, session, connection));
    });
  }

  /**
   * A charger we have accepted a Boot from before is presumed to have reconnected without booting (it sends
   * no Boot unless it restarted) and is protected at once, with short timeouts; should it boot after all, it is
   * protected again after its Boot. A charger never booted with us is protected after its Boot, or as a
   * reconnect when none comes within `OCPP_BOOT_WAIT_MS` (booted by another central system, or before our
   * records began): left unprotected, it could draw anything.
   */
  private async protectOnConnect(
    client: RPCServerClient,
    session: ChargerSession,
    connection: ChargerConnection,
  ): Promise<void> {
    try {
      const bootedBefore = await this.chargerState.hasBooted(session.chargerId);
      if (!bootedBefore && (await connection.bootWithin(this.bootWaitMs))) return;
      if (connection.hasBooted || this.clients.get(session.identity) !== client) return;
      if (!bootedBefore && this.bootWaitMs > 0) {
        this.logger.warn(
          `${session.identity} sent no BootNotification within ${this.bootWaitMs} ms: protecting it as reconnected`,
        );
      }
      await this.protect(client, session, connection);
    } catch (error) {
      this.logger.error(`Protecting ${session.identity} failed: ${String(error)}`);
    }
  }

  /**
   * What a charger gets on each connection, and again after each Boot: its station-wide maximum first (the
   * dispatch worker holds connector profiles until it has been tried), then its connector plans (the
   * 'connected' event re-asserts them), a refresh of its connector states, and last its capabilities, which
   * nothing waits for. Stops when the charger boots again or goes away: that Boot, or its next connection,
   * starts it all anew. Never rejects.
   */
  private async protect(
    client: RPCServerClient,
    session: ChargerSession,
    connection: ChargerConnection,
  ): Promise<void> {
    const epoch = connection.current();
    await this.ceilingChecks.run(session.identity, () => this.sendStationMaxProfile(client, session));
    if (!connection.isCurrent(epoch)) return;
    connection.markProtected(epoch);
    this.recordLifecycle(session, 'connected', () => Promise.resolve());
    const call = <T>(action: string, payload: object) => this.callClient<T>(client, action, payload, {});
    await this.refreshConnectorStates(call, session);
    if (connection.isCurrent(epoch)) await this.discover(client, session, connection, epoch);
  }

  /**
   * Learns the charger's capabilities, asking again with backoff while it does not answer. When they change
   * what it is sent, its station maximum and then its plans (the 'capabilities' event) are sent again.
   */
  private async discover(
    client: RPCServerClient,
    session: ChargerSession,
    connection: ChargerConnection,
    epoch: object,
  ): Promise<void> {
    const call = <T>(action: string, payload: object) => this.callClient<T>(client, action, payload, {});
    for (let attempt = 1; ; attempt++) {
      try {
        const before = await this.ceilings.ceilingInputs(session.chargerId);
        const capabilities = await discoverCapabilities(call, session.protocol);
        if (!before || !connection.isCurrent(epoch)) return;
        const stationMaxProfile = this.stationMaxOutcomes.get(client);
        await this.chargerState.recordCapabilities(session.chargerId, { ...capabilities, stationMaxProfile });
        await this.applyCapabilities(client, session, before, capabilities);
        return;
      } catch (error) {
        if (!connection.isCurrent(epoch) || error instanceof ChargerOfflineError) return;
        const delayMs = discoveryRetryDelayMs(attempt);
        const next = delayMs === null ? 'giving up until it connects again' : `asking again in ${delayMs} ms`;
        this.logger.warn(`Capability discovery of ${session.identity} failed (${String(error)}): ${next}`);
        if (delayMs === null || !(await connection.pause(epoch, delayMs))) return;
      }
    }
  }

  private async applyCapabilities(
    client: RPCServerClient,
    session: ChargerSession,
    before: CeilingInputs,
    capabilities: ChargerCapabilities,
  ): Promise<void> {
    await this.ceilingChecks.run(session.identity, async () => {
      const inputs = await this.ceilings.ceilingInputs(session.chargerId);
      if (inputs) await this.sendStationMaxProfile(client, session, inputs);
    });
    if (capabilitiesChangeProfiles(before.station.capabilities, capabilities, before.plans)) {
      this.logger.log(
        `${session.identity} reported capabilities that change its profiles: sending them again`,
      );
      this.recordLifecycle(session, 'capabilities', () => Promise.resolve());
    }
  }

  /**
   * The fail-safe: whatever happens to us later, the charger as a whole ends up within its share of the site's
   * grid connection; until its plans end, or their open-ended ends stop being held (`holdEnd`), it may draw what
   * they give it (`stationCeiling`). Sent directly rather than queued so that it precedes every connector
   * profile on this connection; the next connection (or Boot) sends it again, which is its retry. With `known`
   * inputs (read along with a push, or after discovery), it is not sent when the connection holds the same,
   * built for the same rate unit, already.
   */
  private async sendStationMaxProfile(
    client: RPCServerClient,
    session: ChargerSession,
    known?: CeilingInputs,
  ): Promise<void> {
    try {
      const onlyWhenChanged = known !== undefined;
      const inputs = known ?? (await this.ceilings.ceilingInputs(session.chargerId));
      if (!inputs || inputs.station.smartChargingExcluded) return;
      const { station } = inputs;
      const now = new Date();
      const holdUntil = holdEnd(now, this.failsafeHoldMs);
      const plans = inputs.plans.map((plan) => heldPlan(plan, holdUntil));
      const ceiling = ceilingUnderUpstream(
        stationCeiling(station.safeShareA, plans, now, inputs.capA),
        inputs.upstreamChargerMax,
        station.nominalVoltageV,
      );
      const installed = this.installedCeilings.get(client);
      const limits = profileLimits(station.capabilities);
      const held = cutCeiling(ceiling, limits.maxPeriods);
      if (
        onlyWhenChanged &&
        installed &&
        installed.limits.rateUnit === limits.rateUnit &&
        installed.limits.dc === limits.dc &&
        sameCeiling(installed.ceiling, held, now)
      ) {
        return;
      }
      const payload = buildStationMaxProfile(session.protocol, station, held, now);
      const call = <T>(action: string, body: object) => this.callClient<T>(client, action, body, {});
      const status = await stationMaxAnswer(call, payload);
      // A charger that did not answer may hold either: the next connector profile tries again.
      if (status !== 'Timeout') this.installedCeilings.set(client, { ceiling: held, limits });
      clearTimeout(this.ceilingRechecks.get(client));
      if (held.length < ceiling.length)
        this.recheckCeilingAt(client, session, Date.parse(held.at(-1)!.start));
      const peakA = ceilingPeakA(ceiling, now);
      const raised = peakA > station.safeShareA ? `${peakA} A while planned, then ` : '';
      const message = `${session.identity} answered ${status} to its station maximum of ${raised}${station.safeShareA} A`;
      if (status === 'Accepted') this.logger.log(message);
      else this.logger.warn(message);
      const outcome = { limitA: station.safeShareA, ceilingA: peakA, status, at: now.toISOString() };
      this.stationMaxOutcomes.set(client, outcome);
      await this.chargerState.recordStationMaxOutcome(session.chargerId, outcome);
    } catch (error) {
      this.logger.warn(`Station maximum for ${session.identity} failed: ${String(error)}`);
    }
  }

  /**
   * The cut period of a station maximum holds the lowest of the ceiling's later limits: once it begins, the
   * ceiling is read and sent anew. One pending re-check per connection: each station maximum sent clears it.
   */
  private recheckCeilingAt(client: RPCServerClient, session: ChargerSession, atMs: number): void {
    const recheck = () => {
      if (this.clients.get(session.identity) !== client) return;
      void this.ceilingChecks.run(session.identity, () => this.sendStationMaxProfile(client, session));
    };
    this.ceilingRechecks.set(client, setTimeout(recheck, Math.max(0, atMs - Date.now()) + 1000).unref());
  }

  /**
   * Connector states may have changed while the charger was away: it reports them anew (the StatusNotifications
   * arrive through the usual handler). A charger that does not support TriggerMessage keeps what it reported.
   */
  private async refreshConnectorStates(call: OcppCall, session: ChargerSession): Promise<void> {
    try {
      const answer = await call<{ status: string }>('TriggerMessage', {
        requestedMessage: 'StatusNotification',
      });
      if (answer.status !== 'Accepted') {
        this.logger.warn(
          `${session.identity} answered ${answer.status} to TriggerMessage(StatusNotification)`,
        );
      }
    } catch (error) {
      this.logger.warn(`Refreshing the connector states of ${session.identity} failed: ${String(error)}`);
    }
  }

  private onClose(client: RPCServerClient, session: ChargerSession): void {
    this.connections.get(client)?.close();
    // A replaced connection closing says nothing about the charger: its newer connection is open.
    if (this.clients.get(session.identity) !== client) return;
    this.clients.delete(session.identity);
    clearTimeout(this.ceilingRechecks.get(client));
    this.inbound.forget(session.identity);
    this.logger.log(`${session.identity} disconnected`);
    this.recordLifecycle(session, 'disconnected', async () => {
      if (await this.release(session.identity)) await this.chargerState.markDisconnected(session.chargerId);
    });
  }

  /**
   * Pushes for the charger are routed to the instance named in its lease. Without Redis the connection is
   * still served (the lease is written when Redis is back), so a Redis outage does not cut chargers off.
   */
  private async claim(identity: string): Promise<void> {
    try {
      await this.ownership.claim(identity);
    } catch (error) {
      this.logger.warn(`Recording that this instance holds ${identity} failed: ${String(error)}`);
    }
  }

  /** @returns false when another instance has taken the charger over, which then records its state */
  private async release(identity: string): Promise<boolean> {
    try {
      return await this.ownership.release(identity);
    } catch (error) {
      this.logger.warn(`Releasing ${identity} failed: ${String(error)}`);
      return true;
    }
  }

  /**
   * The charger connected to another instance while its old socket here looked open: that socket is dead
   * or about to be, and must not carry anything more.
   */
  private onTakenOver(identity: string): void {
    const client = this.clients.get(identity);
    if (!client) return;
    this.logger.log(`${identity} is held by another instance now: closing its connection here`);
    client
      .close({ code: GOING_AWAY, reason: 'Connected to another instance' })
      .catch((error: unknown) =>
        this.logger.warn(`Closing a taken-over connection failed: ${String(error)}`),
      );
  }

  private recordLifecycle(
    session: ChargerSession,
    reason: ChargerStateChangeReason,
    write: () => Promise<void>,
  ) {
    this.lifecycle
      .run(session.identity, async () => {
        await write();
        this.events.emit(OCPP_CHARGER_STATE_CHANGED, new ChargerStateChangedEvent({ ...session, reason }));
      })
      .catch((error: unknown) =>
        this.logger.error(`Recording ${session.identity} ${reason} failed: ${String(error)}`),
      );
  }
}

/** ocpp-rpc's report of a CALL from the charger that it answered. */
type BootOutcome = { outbound: boolean; method?: string; result?: unknown };

/**
 * Lets calls in flight finish, then closes. ocpp-rpc's `close` never settles when the charger closes the
 * socket while it awaits those calls (it then waits for a second 'close' event), so the client's own
 * 'close' event ends the wait too.
 */
async function closeGracefully(client: RPCServerClient): Promise<void> {
  const closedByPeer = once(client, 'close');
  await Promise.race([
    client.close({ code: GOING_AWAY, reason: 'Server shutting down', awaitPending: true }),
    closedByPeer,
  ]);
}

/** `/ocpp/{identity}`, parsed as ocpp-rpc does, which throws outside any handler on a malformed URL. */
function isOcppPath(url: string | undefined): boolean {
  try {
    const match = /^\/ocpp\/([^/]+)$/.exec(new URL(`http://localhost${url ?? '/'}`).pathname);
    return match !== null && decodeURIComponent(match[1]) !== '';
  } catch {
    return false;
  }
}

/**
 * The registered version when the charger offers it, so that the connection speaks what the CPO configured;
 * otherwise our preferred one among those it offers (a charger updated to another version still connects).
 */
function chooseProtocol(offered: Set<string>, registeredVersion: string): OcppProtocol {
  const registered = OCPP_PROTOCOLS.find((protocol) => protocol === `ocpp${registeredVersion}`);
  if (registered && offered.has(registered)) return registered;
  const preferred = OCPP_PROTOCOLS.find((protocol) => offered.has(protocol));
  if (!preferred) throw new Error('No supported OCPP subprotocol');
  return preferred;
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const response = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
  socket.end(response, () => socket.destroy());
}

/** In the version of the connection, within the rate unit and period count the charger reported. */
function buildStationMaxProfile(
  protocol: OcppProtocol,
  context: StationMaxContext,
  ceiling: ProfilePeriod[],
  now: Date,
): object {
  const input = {
    limitA: context.safeShareA,
    ceiling,
    phases: context.phases,
    now,
    ...profileLimits(context.capabilities),
    nominalVoltageV: context.nominalVoltageV,
  };
  return protocol === 'ocpp2.0.1' ? buildStationMaxProfile201(input) : buildStationMaxProfile16(input);
}

/**
 * The charger's status, or why there is none (`Timeout`, the CALLERROR code), so that the API shows a
 * charger that refuses the fail-safe. A closed connection is no answer: the next one sends it again.
 */
async function stationMaxAnswer(call: OcppCall, payload: object): Promise<string> {
  try {
    return (await call<{ status: string }>('SetChargingProfile', payload)).status;
  } catch (error) {
    // Abandoned because the charger booted: it is sent again after the Boot.
    if (error instanceof OcppCallAbandonedError) throw error;
    if (error instanceof OcppCallTimeoutError) return 'Timeout';
    if (error instanceof OcppCallError) return error.code;
    throw error;
  }
}

async function passwordMatches(password: Buffer | undefined, passwordHash: string): Promise<boolean> {
  return password !== undefined && (await verifyPassword(password, passwordHash));
}

function callFailure(client: RPCServerClient, action: string, payload: object, error: unknown): unknown {
  const identity = client.identity ?? '';
  if (error instanceof CallAbandonedError) return new OcppCallAbandonedError(identity, action);
  if (error instanceof TimeoutError) return new OcppCallTimeoutError(identity, action);
  if (error instanceof RPCError) {
    // In strict mode ocpp-rpc checks our own payload before sending it, and names the payload it refused.
    if ((error as { details?: { data?: unknown } }).details?.data === payload) {
      return new Error(`${action} payload for ${identity} breaks the OCPP schema: ${error.message}`);
    }
    return new OcppCallError(identity, action, error.rpcErrorCode, error.message);
  }
  // ocpp-rpc aborts calls in flight or queued when the connection closes.
  if (client.state !== RPCClient.OPEN) return new ChargerOfflineError(identity);
  return error;
}
