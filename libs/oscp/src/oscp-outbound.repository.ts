import { Inject, Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import type { OutboundMessage } from './oscp.types';

export type OutboundStatus = 'queued' | 'delivered' | 'failed';

export interface NewOutboundMessage {
  peerId: string;
  message: OutboundMessage;
  requestId: string;
  correlationId: string | null;
  body: unknown;
}

export interface OutboundMessageRecord extends NewOutboundMessage {
  id: string;
  status: OutboundStatus;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface OutboundAttempt {
  attempt: number;
  url: string;
  httpStatus: number | null;
  error: string | null;
  at: Date;
}

const { oscpOutboundMessages: messages, oscpOutboundAttempts: attempts } = schema;

const MESSAGE_COLUMNS = {
  id: messages.id,
  peerId: messages.peerId,
  message: messages.message,
  requestId: messages.requestId,
  correlationId: messages.correlationId,
  body: messages.body,
  status: messages.status,
  createdAt: messages.createdAt,
  deliveredAt: messages.deliveredAt,
};

/** The outbox: what we sent or are sending to each peer, and how every attempt went. */
@Injectable()
export class OscpOutboundRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async insert(message: NewOutboundMessage): Promise<string> {
    const [row] = await this.db
      .insert(messages)
      .values({ ...message, body: message.body, status: 'queued' })
      .returning({ id: messages.id });
    return row.id;
  }

  async find(id: string): Promise<OutboundMessageRecord | undefined> {
    const [row] = await this.db.select(MESSAGE_COLUMNS).from(messages).where(eq(messages.id, id));
    return row && toRecord(row);
  }

  /** Whether a message of this kind with this correlation id was already sent (or is being sent). */
  async exists(peerId: string, message: OutboundMessage, correlationId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.peerId, peerId),
          eq(messages.message, message),
          eq(messages.correlationId, correlationId),
        ),
      )
      .limit(1);
    return rows.length > 0;
  }

  async queuedIds(): Promise<string[]> {
    const rows = await this.db
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.status, 'queued'));
    return rows.map((row) => row.id);
  }

  async recordAttempt(messageId: string, attempt: OutboundAttempt): Promise<void> {
    await this.db.insert(attempts).values({ messageId, ...attempt });
  }

  async setStatus(id: string, status: OutboundStatus, at: Date): Promise<void> {
    await this.db
      .update(messages)
      .set({ status, deliveredAt: status === 'delivered' ? at : null })
      .where(eq(messages.id, id));
  }

  /** Newest first, each with its attempts in order. */
  async listForPeer(
    peerId: string,
    limit = 100,
  ): Promise<(OutboundMessageRecord & { attempts: OutboundAttempt[] })[]> {
    const rows = await this.db
      .select(MESSAGE_COLUMNS)
      .from(messages)
      .where(eq(messages.peerId, peerId))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(limit);
    const tried = rows.length
      ? await this.db
          .select()
          .from(attempts)
          .where(
            inArray(
              attempts.messageId,
              rows.map((r) => r.id),
            ),
          )
          .orderBy(asc(attempts.id))
      : [];
    return rows.map((row) => ({
      ...toRecord(row),
      attempts: tried
        .filter((a) => a.messageId === row.id)
        .map(({ attempt, url, httpStatus, error, at }) => ({ attempt, url, httpStatus, error, at })),
    }));
  }
}

function toRecord(
  row: { message: string; status: string } & Omit<OutboundMessageRecord, 'message' | 'status'>,
) {
  return { ...row, message: row.message as OutboundMessage, status: row.status as OutboundStatus };
}
