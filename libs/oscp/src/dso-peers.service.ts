import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { hashToken } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { DsoPeer, DsoPeersRepository, DuplicateDsoPeerError, LinkEvent } from './dso-peers.repository';
import { assertWithinBounds } from './forecast-bounds';
import type { CreateDsoPeerDto } from './dto/create-dso-peer.dto';
import type { DsoPeerDto } from './dto/dso-peer.dto';
import type { UpdateDsoPeerDto } from './dto/update-dso-peer.dto';
import type { UpdateGroupCapacityForecastDto } from './dto/update-group-capacity-forecast.dto';
import { OscpOutboundRepository } from './oscp-outbound.repository';
import { OscpOutboxService, QueuedMessage } from './oscp-outbox.service';
import { OSCP_PEER_OPTIONS_CHANGED, PeerOptionsChangedEvent } from './events';
import { PeerLinkService } from './peer-link.service';
import { OscpTokenCipher } from './token-cipher';

@Injectable()
export class DsoPeersService {
  private readonly logger = new Logger(DsoPeersService.name);

  constructor(
    private readonly peers: DsoPeersRepository,
    private readonly outbound: OscpOutboundRepository,
    private readonly outbox: OscpOutboxService,
    private readonly cipher: OscpTokenCipher,
    private readonly link: PeerLinkService,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create({ name, token, baseUrl, peerToken, options }: CreateDsoPeerDto): Promise<DsoPeerDto> {
    try {
      const peer = await this.peers.create({
        name,
        tokenHash: hashToken(token),
        baseUrl: baseUrl ?? null,
        outboundTokenSealed: peerToken === undefined ? null : this.cipher.seal(peerToken),
        options: { ...options },
      });
      this.logger.log(`Created DSO peer ${JSON.stringify(peer.name)} (${peer.id})`);
      return toDsoPeerDto(peer);
    } catch (error) {
      if (error instanceof DuplicateDsoPeerError)
        throw new ConflictException({ message: conflictMessage(error, name) });
      throw error;
    }
  }

  async update(id: string, { baseUrl, peerToken, options }: UpdateDsoPeerDto): Promise<DsoPeerDto> {
    const peer = await this.require(id);
    await this.peers.update(peer.id, {
      ...(baseUrl !== undefined && { baseUrl }),
      ...(peerToken !== undefined && { outboundTokenSealed: this.cipher.seal(peerToken) }),
      ...(options !== undefined && { options: { ...options } }),
    });
    this.logger.log(`Updated DSO peer ${JSON.stringify(peer.name)} (${peer.id})`);
    if (options !== undefined) {
      await this.link.afterOptionsChanged(peer);
      const event: PeerOptionsChangedEvent = { peerId: peer.id };
      await this.events.emitAsync(OSCP_PEER_OPTIONS_CHANGED, event);
    }
    return this.get(peer.id);
  }

  async list(): Promise<DsoPeerDto[]> {
    return (await this.peers.list()).map(toDsoPeerDto);
  }

  async get(id: string): Promise<DsoPeerDto> {
    return toDsoPeerDto(await this.require(id));
  }

  async linkEvents(id: string): Promise<(Omit<LinkEvent, 'at'> & { at: string })[]> {
    await this.require(id);
    return (await this.peers.linkEvents(id)).map((event) => ({ ...event, at: event.at.toISOString() }));
  }

  /** What we sent the peer, newest first, with every attempt; tokens in Register bodies stay hidden. */
  async messages(id: string): Promise<object[]> {
    await this.require(id);
    return (await this.outbound.listForPeer(id)).map((message) => ({
      ...message,
      body:
        message.message === 'register' ? { ...(message.body as object), token: '[hidden]' } : message.body,
    }));
  }

  /** The CPO asks the DSO for other capacity; the DSO answers, if at all, with a new forecast. */
  async requestAdjustment(id: string, request: UpdateGroupCapacityForecastDto): Promise<QueuedMessage> {
    assertWithinBounds(request.forecasted_blocks, this.config, new Date());
    const peer = await this.require(id);
    if (!peer.canCallPeer) {
      throw new ConflictException({ message: 'No baseUrl or token is known for this peer: register first' });
    }
    return this.outbox.send(peer.id, 'adjust_group_capacity_forecast', { ...request });
  }

  private async require(id: string): Promise<DsoPeer> {
    const peer = await this.peers.findById(id);
    if (!peer) throw new NotFoundException({ message: `No DSO peer with id ${id}` });
    return peer;
  }
}

function conflictMessage(error: DuplicateDsoPeerError, name: string): string {
  return error.field === 'name'
    ? `A DSO peer named ${JSON.stringify(name)} already exists`
    : 'This token is already held by another DSO peer: give each peer a token of its own';
}

function toDsoPeerDto(peer: DsoPeer): DsoPeerDto {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: peer.id,
    name: peer.name,
    createdAt: peer.createdAt.toISOString(),
    baseUrl: peer.baseUrl,
    canCallPeer: peer.canCallPeer,
    options: peer.options,
    registration: peer.registration,
    link: peer.link,
    linkChangedAt: iso(peer.linkChangedAt),
    peerRequiredBehaviour: peer.peerRequiredBehaviour,
    lastHeartbeatAt: iso(peer.lastHeartbeatAt),
    offlineModeAt: iso(peer.offlineModeAt),
  };
}
