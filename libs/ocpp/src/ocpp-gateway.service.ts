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
import { verifyPassword } from '@gridflex/common';
import type { ChargerSession } from './charger-session';
import { ChargerStateRepository } from './charger-state.repository';
import { ChargerOfflineError, OcppCallError, OcppCallTimeoutError } from './errors';
import { ChargerStateChangeReason, ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from './events';
import { KeyedSerialQueue } from './keyed-serial-queue';
import { Ocpp16HandlersService } from './ocpp16/ocpp16-handlers.service';

/** The subprotocols we speak, in order of preference. */
const SUBPROTOCOLS = ['ocpp1.6'];
const GOING_AWAY = 1001;

export interface OcppCallOptions {
  /** Overrides `OCPP_CALL_TIMEOUT_MS` for this call. */
  timeoutMs?: number;
}

type Accept = (session?: Record<string, unknown>) => void;
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
  /** Connect and disconnect writes of one identity must land in the order they happened. */
  private readonly lifecycle = new KeyedSerialQueue();
  private readonly rpc: RPCServer;
  private httpServer?: Server;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly chargerState: ChargerStateRepository,
    private readonly handlers: Ocpp16HandlersService,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.rpc = new RPCServer({
      protocols: SUBPROTOCOLS,
      strictMode: SUBPROTOCOLS,
      callTimeoutMs: config.OCPP_CALL_TIMEOUT_MS,
      wssOptions: { perMessageDeflate: true },
    });
    this.rpc.auth((accept, reject, handshake) => void this.authenticate(accept, reject, handshake));
    this.rpc.on('client', (client: RPCServerClient) => this.onClient(client));
    this.rpc.on('error', (error: unknown) => this.logger.error(`WebSocket server error: ${String(error)}`));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.chargerState.markAllDisconnected();
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
    await Promise.allSettled(
      [...this.clients.values()].map((client) =>
        client.close({ code: GOING_AWAY, reason: 'Server shutting down', awaitPending: true }),
      ),
    );
    await this.rpc.close({ code: GOING_AWAY });
    await this.lifecycle.drain();
  }

  isConnected(identity: string): boolean {
    return this.clients.has(identity);
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
    const callOptions = options.timeoutMs === undefined ? {} : { callTimeoutMs: options.timeoutMs };
    try {
      return (await client.call(action, payload, callOptions)) as T;
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
    if (!SUBPROTOCOLS.some((protocol) => handshake.protocols.has(protocol))) {
      this.logger.warn(`Refused ${identity}: offers none of the subprotocols ${SUBPROTOCOLS.join(', ')}`);
      return reject(400, 'No supported OCPP subprotocol');
    }
    try {
      const charger = await this.chargerState.findByIdentity(identity);
      if (!charger) {
        this.logger.warn(`Refused ${identity}: unknown charge point`);
        return reject(404, 'Unknown charge point');
      }
      if (
        charger.passwordHash !== null &&
        !(await passwordMatches(handshake.password, charger.passwordHash))
      ) {
        this.logger.warn(`Refused ${identity}: ${handshake.password ? 'wrong' : 'no'} password`);
        return reject(401, 'Unauthorized');
      }
      const session: ChargerSession = { chargerId: charger.id, identity, siteId: charger.siteId };
      accept(session);
    } catch (error) {
      this.logger.error(`Authenticating ${identity} failed: ${String(error)}`);
      reject(500, 'Internal error');
    }
  }

  private onClient(client: RPCServerClient): void {
    const session = client.session as ChargerSession;
    const previous = this.clients.get(session.identity);
    this.clients.set(session.identity, client);
    this.handlers.register(client, session);
    client.once('close', () => this.onClose(client, session));
    this.logger.log(
      `${session.identity} connected from ${client.handshake.remoteAddress ?? 'unknown address'}`,
    );
    if (previous) {
      this.logger.log(`${session.identity} reconnected: closing its previous connection`);
      previous
        .close({ code: GOING_AWAY, reason: 'Replaced by a newer connection' })
        .catch((error: unknown) =>
          this.logger.warn(`Closing a replaced connection failed: ${String(error)}`),
        );
    }
    this.recordLifecycle(session, 'connected', () =>
      this.chargerState.markConnected(session.chargerId, new Date()),
    );
  }

  private onClose(client: RPCServerClient, session: ChargerSession): void {
    // A replaced connection closing says nothing about the charger: its newer connection is open.
    if (this.clients.get(session.identity) !== client) return;
    this.clients.delete(session.identity);
    this.logger.log(`${session.identity} disconnected`);
    this.recordLifecycle(session, 'disconnected', () =>
      this.chargerState.markDisconnected(session.chargerId),
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

/** `/ocpp/{identity}`, parsed as ocpp-rpc does, which throws outside any handler on a malformed URL. */
function isOcppPath(url: string | undefined): boolean {
  try {
    const match = /^\/ocpp\/([^/]+)$/.exec(new URL(`http://localhost${url ?? '/'}`).pathname);
    return match !== null && decodeURIComponent(match[1]) !== '';
  } catch {
    return false;
  }
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const response = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
  socket.end(response, () => socket.destroy());
}

async function passwordMatches(password: Buffer | undefined, passwordHash: string): Promise<boolean> {
  return password !== undefined && (await verifyPassword(password, passwordHash));
}

function callFailure(client: RPCServerClient, action: string, payload: object, error: unknown): unknown {
  const identity = client.identity ?? '';
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
