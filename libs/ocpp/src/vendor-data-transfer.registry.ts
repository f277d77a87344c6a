import { Injectable } from '@nestjs/common';
import { ChargerEventsService } from './charger-events/charger-events.service';
import type { ChargerSession } from './charger-session';
import type { InboundContext } from './handler-table';

/** A DataTransfer a charger sends, in either version (2.0.1's `data` may be any JSON, 1.6's a string). */
export interface DataTransferRequest {
  vendorId: string;
  messageId?: string;
  data?: unknown;
}

/** A string `data` is valid in both versions' answers. */
export interface DataTransferAnswer {
  status: 'Accepted' | 'Rejected' | 'UnknownMessageId';
  data?: string;
}

export interface DataTransferResponse {
  status: DataTransferAnswer['status'] | 'UnknownVendorId';
  data?: string;
}

export type VendorDataTransferHandler = (
  request: DataTransferRequest,
  session: ChargerSession,
) => Promise<DataTransferAnswer>;

/**
 * The vendor extensions we understand, by `vendorId`. A DataTransfer of any other vendor is answered
 * `UnknownVendorId`, as both versions define, and kept as a charger event for the operator.
 */
@Injectable()
export class VendorDataTransferRegistry {
  private readonly vendors = new Map<string, VendorDataTransferHandler>();

  constructor(private readonly events: ChargerEventsService) {}

  /** The DataTransfer handler of both versions' tables. */
  async answer(request: DataTransferRequest, context: InboundContext): Promise<DataTransferResponse> {
    const handler = this.vendors.get(request.vendorId);
    if (handler) return handler(request, context.session);
    await this.events.record('DataTransfer', { ...request }, context);
    return { status: 'UnknownVendorId' };
  }

  /** @throws Error when the vendor already has a handler: two extensions must not fight over its messages */
  register(vendorId: string, handler: VendorDataTransferHandler): void {
    if (this.vendors.has(vendorId)) throw new Error(`Vendor ${vendorId} already has a DataTransfer handler`);
    this.vendors.set(vendorId, handler);
  }
}
