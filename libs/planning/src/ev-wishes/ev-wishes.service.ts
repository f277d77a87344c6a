import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EvChargingNeeds, EvChargingNeedsSink, EvChargingNeedsStatus } from '@gridflex/ocpp';
import { SessionPreferencesRepository } from '@gridflex/sites';
import { EV_WISH_TOLD, EvWishToldEvent } from '../events';
import { PlanningRepository } from '../planning.repository';
import { evWishChange } from './ev-wish';

/**
 * Takes what EVs tell of their needs (`EV_CHARGING_NEEDS_SINK`): they become the wish and limits of the session
 * running on the connector, and its scope is planned again (`EV_WISH_TOLD`), so the charger receives a
 * TxProfile that follows them (K15) through the usual dispatch.
 */
@Injectable()
export class EvWishesService implements EvChargingNeedsSink {
  constructor(
    private readonly preferences: SessionPreferencesRepository,
    private readonly planning: PlanningRepository,
    private readonly events: EventEmitter2,
  ) {}

  async take(needs: EvChargingNeeds): Promise<EvChargingNeedsStatus> {
    const steering = await this.planning.connectorSteering(needs.chargerId, needs.connectorId);
    const transactionId = await this.preferences.openTransactionId(needs.chargerId, needs.connectorId);
    if (!steering || transactionId === undefined) return 'Rejected';
    await this.preferences.upsert(
      transactionId,
      evWishChange(await this.preferences.find(transactionId), needs),
    );
    if (steering.smartChargingExcluded) return 'Rejected';
    this.events.emit(EV_WISH_TOLD, new EvWishToldEvent(needs.siteId, needs.chargerId));
    // A connector refusing our profiles gets its schedule once it takes them again.
    return steering.uncontrollableReason === null ? 'Accepted' : 'Processing';
  }
}
