import {
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { hashToken } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import {
  DsoPeer,
  DsoPeersRepository,
  DuplicateDsoPeerError,
  GroupAlreadyBoundError,
  LinkEvent,
} from './dso-peers.repository';
import { assertWithinBounds } from './forecast-bounds';
import type { CreateDsoPeerDto } from './dto/create-dso-peer.dto';
import type { DsoPeerDto } from './dto/dso-peer.dto';
import type { UpdateDsoPeerDto } from './dto/update-dso-peer.dto';
import type { UpdateGroupCapacityForecastDto } from './dto/update-group-capacity-forecast.dto';
import { OscpOutboundRepository } from './oscp-outbound.repository';
import { OscpOutboxService, QueuedMessage } from './oscp-outbox.service';
import {
  OSCP_PEER_GROUPS_CHANGED,
  OSCP_PEER_OPTIONS_CHANGED,
  PeerGroupsChangedEvent,
  PeerOptionsChangedEvent,
} from './events';
import { PeerLinkService } from './peer-link.service';
import { notBoundMessage } from './group-authorization';
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

  async create({
    name,
    token,
    baseUrl,
    peerToken,
    options,
    groupIds = [],
  }: CreateDsoPeerDto): Promise<DsoPeerDto> {
    try {
      const peer = await this.peers.create(
        {
          name,
          tokenHash: hashToken(token),
          baseUrl: baseUrl ?? null,
          outboundTokenSealed: peerToken === undefined ? null : this.cipher.seal(peerToken),
          options: { ...options },
        },
        groupIds,
      );
      this.logger.log(
        `Created DSO peer ${JSON.stringify(peer.name)} (${peer.id}) bound to groups ${JSON.stringify(groupIds)}`,
      );
      // No re-plan: a new peer has sent no forecast yet, so its groups' limits are as they were.
      return toDsoPeerDto(peer, [...groupIds].sort());
    } catch (error) {
      if (error instanceof DuplicateDsoPeerError)
        throw new ConflictException({ message: conflictMessage(error, name) });
      throw groupConflict(error);
    }
  }

  async update(id: string, { baseUrl, peerToken, options, groupIds }: UpdateDsoPeerDto): Promise<DsoPeerDto> {
    const peer = await this.require(id);
    // First, so that a refused binding leaves the peer as it was.
    const rebound = groupIds === undefined ? [] : await this.rebind(peer, groupIds);
    const changes = {
      ...(baseUrl !== undefined && { baseUrl }),
      ...(peerToken !== undefined && { outboundTokenSealed: this.cipher.seal(peerToken) }),
      ...(options !== undefined && { options: { ...options } }),
    };
    if (Object.keys(changes).length > 0) await this.peers.update(peer.id, changes);
    this.logger.log(`Updated DSO peer ${JSON.stringify(peer.name)} (${peer.id})`);
    if (options !== undefined) {
      await this.link.afterOptionsChanged(peer);
      const event: PeerOptionsChangedEvent = { peerId: peer.id };
      await this.events.emitAsync(OSCP_PEER_OPTIONS_CHANGED, event);
    }
    await this.announceGroupsChanged(peer.id, rebound);
    return this.get(peer.id);
  }

  async list(): Promise<DsoPeerDto[]> {
    const groups = await this.peers.groupsByPeer();
    return (await this.peers.list()).map((peer) => toDsoPeerDto(peer, groups.get(peer.id) ?? []));
  }

  async get(id: string): Promise<DsoPeerDto> {
    const peer = await this.require(id);
    return toDsoPeerDto(peer, await this.peers.groupsOf(peer.id));
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
    if ((await this.peers.peerOfGroup(request.group_id)) !== peer.id) {
      throw new ForbiddenException({ message: notBoundMessage(peer, request.group_id) });
    }
    if (!peer.canCallPeer) {
      throw new ConflictException({ message: 'No baseUrl or token is known for this peer: register first' });
    }
    return this.outbox.send(peer.id, 'adjust_group_capacity_forecast', { ...request });
  }

  /** Returns the groups bound or unbound. */
  private async rebind(peer: DsoPeer, groupIds: string[]): Promise<string[]> {
    try {
      const changed = await this.peers.rebindGroups(peer.id, groupIds);
      if (changed.length > 0) {
        this.logger.log(
          `DSO peer ${JSON.stringify(peer.name)} (${peer.id}) is now bound to groups ${JSON.stringify(groupIds)}`,
        );
      }
      return changed;
    } catch (error) {
      throw groupConflict(error);
    }
  }

  /** A group's forecasts count from its new peer on, and no longer from the old one: re-plan it now. */
  private async announceGroupsChanged(peerId: string, groupIds: string[]): Promise<void> {
    if (groupIds.length === 0) return;
    const event: PeerGroupsChangedEvent = { peerId, groupIds };
    await this.events.emitAsync(OSCP_PEER_GROUPS_CHANGED, event);
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

function groupConflict(error: unknown): unknown {
  if (!(error instanceof GroupAlreadyBoundError)) return error;
  const owner =
    error.boundTo === undefined ? 'another DSO peer' : `DSO peer ${JSON.stringify(error.boundTo)}`;
  return new ConflictException({
    message:
      `Group ${JSON.stringify(error.groupId)} is already bound to ${owner}: ` +
      'unbind it there first (a group is governed by one DSO peer only)',
  });
}

function toDsoPeerDto(peer: DsoPeer, groupIds: string[]): DsoPeerDto {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: peer.id,
    name: peer.name,
    createdAt: peer.createdAt.toISOString(),
    baseUrl: peer.baseUrl,
    groupIds,
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
