import {
  Body,
  Controller,
  Delete,
  HttpCode,
  HttpStatus,
  Logger,
  Post,
  Put,
  Res,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiHeader, ApiNoContentResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors, createValidationPipe, describeFailure } from '@gridflex/common';
import type { DsoPeer } from './dso-peers.repository';
import { HandshakeDto } from './dto/handshake.dto';
import { HeartbeatDto } from './dto/heartbeat.dto';
import { RegisterDto } from './dto/register.dto';
import { AuthenticatedPeer, OscpRequestId } from './oscp-request';
import { OscpTokenGuard } from './oscp-token.guard';
import { OscpOutboxService } from './oscp-outbox.service';
import { OSCP_FP_PATH } from './oscp-public-url';
import { PeerLinkService } from './peer-link.service';
import { RegistrationService } from './registration.service';

/** pyoscp spells the path `…acknowledgment` (older versions `…acknowledgement`): all three are served. */
const ACKNOWLEDGE_PATHS = ['handshake_acknowledge', 'handshake_acknowledgment', 'handshake_acknowledgement'];

/**
 * OSCP 2.0 registration, handshake and heartbeat endpoints that a Capacity Provider calls on us. Each
 * answers 204 first; replies to the peer are stored before and sent after the answer.
 */
@ApiTags('oscp')
@ApiSecurity('oscp-token')
@ApiHeader({ name: 'X-Request-ID', required: true, description: 'Unique per message' })
@ApiNoContentResponse({ description: 'Accepted; any reply to the peer follows in a message of our own' })
@ApiErrors(400, 401)
@Controller(OSCP_FP_PATH)
@UseGuards(OscpTokenGuard)
// Liberal in what we accept from partners: unknown fields are dropped, not refused.
@UsePipes(createValidationPipe({ forbidUnknown: false }))
export class PeerLinkController {
  private readonly logger = new Logger(PeerLinkController.name);

  constructor(
    private readonly registration: RegistrationService,
    private readonly link: PeerLinkService,
    private readonly outbox: OscpOutboxService,
  ) {}

  @Post('register')
  @HttpCode(HttpStatus.NO_CONTENT)
  async register(
    @AuthenticatedPeer() peer: DsoPeer,
    @OscpRequestId() requestId: string,
    @Body() register: RegisterDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const { messageId } = await this.registration.accept(peer, requestId, register);
    if (messageId) this.afterReply(response, () => this.outbox.dispatch(messageId));
  }

  @Put('register')
  @HttpCode(HttpStatus.NO_CONTENT)
  async updateRegistration(
    @AuthenticatedPeer() peer: DsoPeer,
    @OscpRequestId() _requestId: string,
    @Body() register: RegisterDto,
  ): Promise<void> {
    await this.registration.update(peer, register);
  }

  @Delete('register')
  @HttpCode(HttpStatus.NO_CONTENT)
  async unregister(@AuthenticatedPeer() peer: DsoPeer, @OscpRequestId() _requestId: string): Promise<void> {
    await this.registration.revoke(peer);
  }

  @Post('handshake')
  @HttpCode(HttpStatus.NO_CONTENT)
  async handshake(
    @AuthenticatedPeer() peer: DsoPeer,
    @OscpRequestId() requestId: string,
    @Body() handshake: HandshakeDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const ackId = await this.link.acceptHandshake(peer, requestId, handshake);
    this.afterReply(response, () => this.link.afterHandshake(peer, ackId, handshake.required_behaviour));
  }

  @Post(ACKNOWLEDGE_PATHS)
  @HttpCode(HttpStatus.NO_CONTENT)
  async handshakeAcknowledge(
    @AuthenticatedPeer() peer: DsoPeer,
    @OscpRequestId() _requestId: string,
    @Body() ack: HandshakeDto,
  ): Promise<void> {
    await this.link.acceptAcknowledge(peer, ack);
  }

  @Post('heartbeat')
  @HttpCode(HttpStatus.NO_CONTENT)
  async heartbeat(
    @AuthenticatedPeer() peer: DsoPeer,
    @OscpRequestId() _requestId: string,
    @Body() heartbeat: HeartbeatDto,
  ): Promise<void> {
    await this.link.acceptHeartbeat(peer, heartbeat.offline_mode_at);
  }

  /** 'close' rather than 'finish': it fires even when the peer hangs up early. */
  private afterReply(response: Response, work: () => Promise<void>): void {
    response.once('close', () => {
      work().catch((error: unknown) =>
        // The message is stored: the outbox sends it at the next start at the latest.
        this.logger.error(`Could not queue a reply after answering: ${describeFailure(error)}`),
      );
    });
  }
}
