import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { REDIS_RECONNECTED } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { DsoPeer, DsoPeersRepository, Link } from './dso-peers.repository';
import type { HandshakeDto } from './dto/handshake.dto';
import {
  MessageDeliveredEvent,
  OSCP_MESSAGE_DELIVERED,
  OSCP_PEER_LINK_CHANGED,
  PeerLinkChangedEvent,
} from './events';
import { OscpOutboxService } from './oscp-outbox.service';
import { PeerTimersService } from './peer-timers.service';
import type { MeasurementConfiguration, RequiredBehaviour } from './oscp.types';
import { parseLenientDateTime } from './rfc3339';

/** Our heartbeats promise this many intervals (reference §2.6: two to three). */
const OFFLINE_MARGIN_INTERVALS = 3;

/**
 * The liveness of each DSO peer (reference §2.5–2.6): handshakes and their acknowledgement, heartbeats
 * both ways, and the ONLINE ⇄ OFFLINE switch that moves its groups to and from fallback capacity.
 */
@Injectable()
export class PeerLinkService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PeerLinkService.name);

  constructor(
    private readonly peers: DsoPeersRepository,
    private readonly outbox: OscpOutboxService,
    private readonly timers: PeerTimersService,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Stores what the peer asks of us and our acknowledgement (queued after our 204); returns its id. */
  async acceptHandshake(peer: DsoPeer, requestId: string, handshake: HandshakeDto): Promise<string> {
    const asked = handshake.required_behaviour ?? { measurement_configuration: [] };
    await this.peers.update(peer.id, { peerRequiredBehaviour: { ...asked } });
    const ack = await this.outbox.store(
      peer.id,
      'handshake_acknowledge',
      { required_behaviour: this.ourRequiredBehaviour(peer) },
      requestId,
    );
    return ack.messageId;
  }

  /** After our 204 to the Handshake: acknowledge it, and send the heartbeats the peer asked for. */
  async afterHandshake(peer: DsoPeer, ackMessageId: string, asked?: RequiredBehaviour): Promise<void> {
    await this.outbox.dispatch(ackMessageId);
    await this.scheduleWhatPeerAsked(peer, asked);
  }

  /**
   * The per-peer timers live in Redis, which may have lost them (restarted empty while we ran, or while we
   * were stopped): re-created from what the database says each peer asked, at boot and when Redis is back.
   */
  @OnEvent(REDIS_RECONNECTED)
  async onApplicationBootstrap(): Promise<void> {
    for (const peer of await this.peers.list()) {
      if (!peer.peerRequiredBehaviour) continue;
      await this.scheduleWhatPeerAsked(peer, storedBehaviour(peer.peerRequiredBehaviour));
      if (peer.link !== 'ONLINE' || !this.armed(peer) || !peer.offlineModeAt) continue;
      // A promise that lapsed while we were stopped is a lapse: decided before anything else is served.
      if (peer.offlineModeAt <= new Date()) await this.checkOffline(peer.id);
      else await this.timers.checkOfflineAt(peer.id, peer.offlineModeAt);
    }
  }

  private async scheduleWhatPeerAsked(peer: DsoPeer, asked?: RequiredBehaviour): Promise<void> {
    const heartbeatIntervalS = asked?.heartbeat_interval;
    if (heartbeatIntervalS !== undefined && peer.options.sendHeartbeats !== false) {
      await this.timers.startHeartbeats(peer.id, heartbeatIntervalS);
    } else {
      await this.timers.stopHeartbeats(peer.id);
    }
    // A peer that names no measurement configuration wants no measurements.
    if (asked?.measurement_configuration?.length) {
      const periodS = peer.options.measurementPeriodS ?? this.config.OSCP_MEASUREMENT_PERIOD_S;
      await this.timers.startMeasurements(peer.id, periodS);
    } else {
      await this.timers.stopMeasurements(peer.id);
    }
  }

  /** A HandshakeAcknowledge from a peer (the CO role): remember what it asks of us. */
  async acceptAcknowledge(peer: DsoPeer, ack: HandshakeDto): Promise<void> {
    const asked = ack.required_behaviour ?? { measurement_configuration: [] };
    await this.peers.update(peer.id, { peerRequiredBehaviour: { ...asked } });
  }

  /**
   * A heartbeat that arrives after the peer's last promise lapsed (we were down, or its timer job had not run
   * yet) does not undo the lapse: the link goes OFFLINE first and stays so until a new handshake (reference
   * §2.6), because a forecast the peer sent meanwhile may be lost and its last one cannot be trusted.
   */
  async acceptHeartbeat(peer: DsoPeer, offlineModeAt: string, now = new Date()): Promise<void> {
    if (peer.link === 'ONLINE' && this.armed(peer) && peer.offlineModeAt && peer.offlineModeAt <= now)
      await this.checkOffline(peer.id, now);
    const deadline = new Date(parseLenientDateTime(offlineModeAt) as number);
    await this.peers.update(peer.id, { lastHeartbeatAt: now, offlineModeAt: deadline });
    if (this.detectsOffline(peer)) await this.timers.checkOfflineAt(peer.id, deadline);
  }

  /** The handshake is complete once the peer took our acknowledgement: the link is ONLINE. */
  @OnEvent(OSCP_MESSAGE_DELIVERED)
  async onMessageDelivered(event: MessageDeliveredEvent): Promise<void> {
    if (event.message !== 'handshake_acknowledge') return;
    const peer = await this.peers.findById(event.peerId);
    if (!peer || peer.link === 'ONLINE') return;
    const now = new Date();
    if (this.armed(peer)) {
      // A peer known to heartbeat that sends none after the handshake must not stay ONLINE forever.
      const deadline = this.firstDeadline(peer, now);
      await this.peers.update(peer.id, { offlineModeAt: deadline });
      await this.timers.checkOfflineAt(peer.id, deadline);
    }
    await this.switchLink(peer, 'ONLINE', 'handshake acknowledged', now);
  }

  /** The timer job at a peer's `offline_mode_at`. */
  async checkOffline(peerId: string, now = new Date()): Promise<void> {
    const peer = await this.peers.findById(peerId);
    if (!peer || peer.link !== 'ONLINE' || !this.armed(peer)) return;
    if (!peer.offlineModeAt || peer.offlineModeAt > now) return;
    const since = peer.lastHeartbeatAt
      ? `last heartbeat ${peer.lastHeartbeatAt.toISOString()}`
      : 'no heartbeat';
    await this.switchLink(
      peer,
      'OFFLINE',
      `offline_mode_at ${peer.offlineModeAt.toISOString()} passed (${since})`,
      now,
    );
  }

  /**
   * A change of the peer's options takes effect at once: with offline detection turned off, an OFFLINE
   * peer is ONLINE again (its groups leave fallback); turned on, a peer that heartbeats is checked
   * against its last `offline_mode_at` (OFFLINE at once if that has passed).
   */
  async afterOptionsChanged(before: DsoPeer, now = new Date()): Promise<void> {
    const peer = await this.peers.findById(before.id);
    if (!peer) return;
    if (!this.detectsOffline(peer) && peer.link === 'OFFLINE') {
      await this.switchLink(peer, 'ONLINE', 'offline detection turned off', now);
    } else if (
      this.armed(peer) &&
      !this.detectsOffline(before) &&
      peer.link === 'ONLINE' &&
      peer.offlineModeAt
    ) {
      await this.timers.checkOfflineAt(peer.id, peer.offlineModeAt);
    }
  }

  /** The timer job for the heartbeats a peer asked of us. */
  async sendHeartbeat(peerId: string, now = new Date()): Promise<void> {
    const peer = await this.peers.findById(peerId);
    const intervalS = heartbeatInterval(peer?.peerRequiredBehaviour);
    if (!peer || !peer.canCallPeer || intervalS === undefined || peer.options.sendHeartbeats === false)
      return;
    const offlineModeAt = new Date(now.getTime() + OFFLINE_MARGIN_INTERVALS * intervalS * 1000);
    await this.outbox.send(peer.id, 'heartbeat', { offline_mode_at: offlineModeAt.toISOString() });
  }

  private async switchLink(peer: DsoPeer, to: Link, reason: string, at: Date): Promise<void> {
    if (!(await this.peers.switchLink(peer.id, peer.link, to, reason, at))) return;
    const message = `DSO peer ${JSON.stringify(peer.name)} is ${to} (was ${peer.link}): ${reason}`;
    if (to === 'OFFLINE') this.logger.warn(`${message}; its groups run on fallback capacity`);
    else this.logger.log(message);
    const event: PeerLinkChangedEvent = { peerId: peer.id, from: peer.link, to };
    await this.events.emitAsync(OSCP_PEER_LINK_CHANGED, event);
  }

  private ourRequiredBehaviour(peer: DsoPeer): object {
    return this.detectsOffline(peer)
      ? { heartbeat_interval: this.config.OSCP_HEARTBEAT_INTERVAL_S, measurement_configuration: [] }
      : { measurement_configuration: [] };
  }

  private detectsOffline(peer: DsoPeer): boolean {
    return peer.options.offlineDetection !== false;
  }

  /**
   * Silence counts only against a peer known to heartbeat: one that has never sent a heartbeat (many DSOs
   * send none, whatever our acknowledgement asks) cannot be declared silent by missing one.
   */
  private armed(peer: DsoPeer): boolean {
    return this.detectsOffline(peer) && peer.lastHeartbeatAt !== null;
  }

  private firstDeadline(peer: DsoPeer, now: Date): Date {
    const grace = new Date(
      now.getTime() + OFFLINE_MARGIN_INTERVALS * this.config.OSCP_HEARTBEAT_INTERVAL_S * 1000,
    );
    return peer.offlineModeAt && peer.offlineModeAt > grace ? peer.offlineModeAt : grace;
  }
}

/** What the peer asked in its last handshake, as stored (validated when it arrived). */
function storedBehaviour(behaviour: Record<string, unknown>): RequiredBehaviour {
  const configuration = behaviour.measurement_configuration;
  return {
    heartbeat_interval: heartbeatInterval(behaviour),
    measurement_configuration: Array.isArray(configuration)
      ? (configuration as MeasurementConfiguration[])
      : [],
  };
}

function heartbeatInterval(behaviour: Record<string, unknown> | null | undefined): number | undefined {
  const interval = behaviour?.heartbeat_interval;
  return typeof interval === 'number' && interval >= 1 ? interval : undefined;
}
