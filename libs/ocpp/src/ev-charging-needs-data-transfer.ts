import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import type { ChargerSession } from './charger-session';
import { ChargerStateRepository } from './charger-state.repository';
import {
  CHARGING_NEEDS_MESSAGE_ID,
  EV_CHARGING_NEEDS_SINK,
  evChargingNeedsOfDataTransfer,
  EvChargingNeedsSink,
  GRIDFLEX_VENDOR_ID,
  NO_EV_CHARGING_NEEDS_SINK,
} from './ev-charging-needs';
import {
  DataTransferAnswer,
  DataTransferRequest,
  VendorDataTransferRegistry,
} from './vendor-data-transfer.registry';

/**
 * gridflex's own vendor extension, for chargers without ISO 15118 (1.6, or 2.0.1 without it): a DataTransfer
 * `org.gridflex`/`ChargingNeeds` tells the EV's needs as NotifyEVChargingNeeds would. The answer's `data` is
 * the JSON `{"status": …}` of planning's decision, or `{"reason": …}` when the data is refused. A `socPercent`
 * it carries becomes the connector's state of charge, as a SoC meter value would.
 */
@Injectable()
export class EvChargingNeedsDataTransfer implements OnModuleInit {
  constructor(
    private readonly registry: VendorDataTransferRegistry,
    private readonly chargerState: ChargerStateRepository,
    @Optional()
    @Inject(EV_CHARGING_NEEDS_SINK)
    private readonly evNeeds: EvChargingNeedsSink = NO_EV_CHARGING_NEEDS_SINK,
  ) {}

  onModuleInit(): void {
    this.registry.register(GRIDFLEX_VENDOR_ID, (request, session) => this.answer(request, session));
  }

  private async answer(request: DataTransferRequest, session: ChargerSession): Promise<DataTransferAnswer> {
    if (request.messageId !== CHARGING_NEEDS_MESSAGE_ID) return { status: 'UnknownMessageId' };
    const needs = evChargingNeedsOfDataTransfer(session, request.data, new Date());
    if (typeof needs === 'string') return { status: 'Rejected', data: JSON.stringify({ reason: needs }) };
    if (needs.socPercent !== undefined) {
      await this.chargerState.recordSoc(needs.chargerId, needs.connectorId, needs.socPercent);
    }
    const status = await this.evNeeds.take(needs);
    return { status: status === 'Rejected' ? 'Rejected' : 'Accepted', data: JSON.stringify({ status }) };
  }
}
