import { ApiProperty } from '@nestjs/swagger';
import type { DsoPeerOptions } from './dso-peer-options.dto';

const nullableString = { type: String, nullable: true } as const;
const nullableInstant = { ...nullableString, format: 'date-time' } as const;

/** A DSO peer as the admin API shows it: deliberately without any token data. */
export class DsoPeerDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  /** ISO 8601, UTC. */
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ ...nullableString, description: "The peer's OSCP base URL, known from its Register" })
  baseUrl!: string | null;

  @ApiProperty({
    type: [String],
    description: 'The capacity groups this DSO governs: the only ones it may send forecasts for',
  })
  groupIds!: string[];

  /** Whether we hold a token to call the peer with (never the token itself). */
  @ApiProperty({ description: 'Whether we hold a token to call the peer with (never the token itself)' })
  canCallPeer!: boolean;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'How the peer deviates from the standard',
  })
  options!: DsoPeerOptions;

  /** `PENDING` (initial token only), `AWAITING_REPLY`, `REGISTERED` or `UNREGISTERED`. */
  @ApiProperty({ enum: ['PENDING', 'AWAITING_REPLY', 'REGISTERED', 'UNREGISTERED'] })
  registration!: string;

  /** `UNKNOWN` (no handshake yet), `ONLINE` or `OFFLINE`: while OFFLINE its groups run on fallback. */
  @ApiProperty({ enum: ['UNKNOWN', 'ONLINE', 'OFFLINE'] })
  link!: string;

  @ApiProperty(nullableInstant)
  linkChangedAt!: string | null;

  /** What the peer asked of us in its Handshake. */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  peerRequiredBehaviour!: Record<string, unknown> | null;

  @ApiProperty(nullableInstant)
  lastHeartbeatAt!: string | null;

  /** When the peer becomes OFFLINE unless it sends another heartbeat. */
  @ApiProperty({
    ...nullableInstant,
    description: 'When the peer becomes OFFLINE unless it sends a heartbeat',
  })
  offlineModeAt!: string | null;
}

/** A message stored in the outbox, to be delivered by the queue. */
export class QueuedMessageDto {
  @ApiProperty({ format: 'uuid' })
  messageId!: string;

  @ApiProperty({ description: 'The X-Request-ID it is sent with' })
  requestId!: string;
}

export class LinkEventDto {
  @ApiProperty({ enum: ['UNKNOWN', 'ONLINE', 'OFFLINE'] })
  from!: string;

  @ApiProperty({ enum: ['UNKNOWN', 'ONLINE', 'OFFLINE'] })
  to!: string;

  @ApiProperty({ example: 'heartbeat overdue' })
  reason!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export class OutboundAttemptDto {
  @ApiProperty()
  attempt!: number;

  @ApiProperty()
  url!: string;

  @ApiProperty({ type: Number, nullable: true })
  httpStatus!: number | null;

  @ApiProperty(nullableString)
  error!: string | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

/** A message we sent (or are sending) to a peer, with every delivery attempt; tokens hidden. */
export class OutboundMessageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'heartbeat' })
  message!: string;

  @ApiProperty()
  requestId!: string;

  @ApiProperty(nullableString)
  correlationId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  body!: object;

  @ApiProperty({ enum: ['queued', 'delivered', 'failed'] })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty(nullableInstant)
  deliveredAt!: string | null;

  @ApiProperty({ type: [OutboundAttemptDto] })
  attempts!: OutboundAttemptDto[];
}
