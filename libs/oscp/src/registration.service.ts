import { randomBytes } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { hashToken } from '@gridflex/common';
import { DsoPeer, DsoPeersRepository } from './dso-peers.repository';
import type { RegisterDto } from './dto/register.dto';
import { OscpOutboxService, QueuedMessage } from './oscp-outbox.service';
import { OscpPublicUrl } from './oscp-public-url';
import { PeerTimersService } from './peer-timers.service';
import { OSCP_VERSION } from './oscp.types';
import { OscpTokenCipher } from './token-cipher';

/** A Register that needs our own Register back, stored before the 204 and queued after it. */
export interface RegisterReply {
  messageId: string | null;
}

/**
 * OSCP registration with the token swap (reference §2.4), in both roles: as responder we answer a
 * peer's Register with our own and a fresh token; as initiator we send the first Register and take
 * the peer's reply.
 */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger(RegistrationService.name);

  constructor(
    private readonly peers: DsoPeersRepository,
    private readonly outbox: OscpOutboxService,
    private readonly cipher: OscpTokenCipher,
    private readonly publicUrl: OscpPublicUrl,
    private readonly timers: PeerTimersService,
  ) {}

  /** POST register from the peer. */
  async accept(peer: DsoPeer, requestId: string, register: RegisterDto): Promise<RegisterReply> {
    const baseUrl = this.peerBaseUrl(peer, register);
    const outboundTokenSealed = this.cipher.seal(register.token);
    if (peer.registration === 'AWAITING_REPLY') {
      await this.peers.update(peer.id, { outboundTokenSealed, baseUrl, registration: 'REGISTERED' });
      this.logger.log(`DSO peer ${JSON.stringify(peer.name)} answered our Register: registered`);
      return { messageId: null };
    }
    const ourToken = freshToken();
    // The token that authenticated this request is replaced here: the out-of-band one is single-use.
    await this.peers.update(peer.id, {
      outboundTokenSealed,
      baseUrl,
      tokenHash: hashToken(ourToken),
      registration: 'REGISTERED',
    });
    const reply = await this.outbox.store(peer.id, 'register', this.registerBody(ourToken), requestId);
    this.logger.log(`DSO peer ${JSON.stringify(peer.name)} registered; sending our Register back`);
    return { messageId: reply.messageId };
  }

  /** PUT register: the peer changes its token and/or URL; nothing is sent back. */
  async update(peer: DsoPeer, register: RegisterDto): Promise<void> {
    const baseUrl = this.peerBaseUrl(peer, register);
    await this.peers.update(peer.id, { outboundTokenSealed: this.cipher.seal(register.token), baseUrl });
    this.logger.log(`DSO peer ${JSON.stringify(peer.name)} updated its registration`);
  }

  /** DELETE register: the peer's token for us is revoked, and we stop calling it. */
  async revoke(peer: DsoPeer): Promise<void> {
    await this.peers.update(peer.id, {
      tokenHash: null,
      outboundTokenSealed: null,
      registration: 'UNREGISTERED',
    });
    await this.timers.stopHeartbeats(peer.id);
    await this.timers.stopMeasurements(peer.id);
    this.logger.log(`DSO peer ${JSON.stringify(peer.name)} unregistered: its token is revoked`);
  }

  /** Admin action: we register first, with the token the DSO gave us out of band. */
  async initiate(peerId: string): Promise<QueuedMessage> {
    const peer = await this.peers.findById(peerId);
    if (!peer) throw new NotFoundException({ message: `No DSO peer with id ${peerId}` });
    if (!peer.canCallPeer) {
      throw new ConflictException({
        message: 'This peer has no baseUrl or peerToken: set both before registering with it',
      });
    }
    const ourToken = freshToken();
    await this.peers.update(peer.id, { tokenHash: hashToken(ourToken), registration: 'AWAITING_REPLY' });
    this.logger.log(`Registering with DSO peer ${JSON.stringify(peer.name)}`);
    return this.outbox.send(peer.id, 'register', this.registerBody(ourToken));
  }

  private registerBody(ourToken: string): object {
    return {
      token: this.cipher.seal(ourToken),
      version_url: [{ version: OSCP_VERSION, base_url: this.publicUrl.baseUrl() }],
    };
  }

  /** 501 when the peer offers no 2.0; a bare path is resolved against the URL we know (§2.7). */
  private peerBaseUrl(peer: DsoPeer, register: RegisterDto): string {
    const offered = register.version_url.find((v) => v.version.trim() === OSCP_VERSION);
    if (!offered) {
      const versions = register.version_url.map((v) => JSON.stringify(v.version)).join(', ');
      throw new HttpException(
        { message: `No common OSCP version: we speak ${OSCP_VERSION}, the peer offered ${versions}` },
        HttpStatus.NOT_IMPLEMENTED,
      );
    }
    const url = offered.base_url;
    if (/^https?:\/\//i.test(url)) return url.replace(/\/+$/, '');
    if (!peer.baseUrl) {
      throw new BadRequestException({
        message: `version_url[].base_url ${JSON.stringify(url)} is a path, and no URL of this peer is known to resolve it against`,
      });
    }
    return new URL(url, peer.baseUrl).toString().replace(/\/+$/, '');
  }
}

function freshToken(): string {
  return randomBytes(32).toString('base64url');
}
