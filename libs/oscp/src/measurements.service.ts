import { Injectable } from '@nestjs/common';
import { CapacityForecastsRepository } from './capacity-forecasts.repository';
import { DsoPeer, DsoPeersRepository } from './dso-peers.repository';
import {
  assetMeasurements,
  combinedAssetMeasurement,
  groupMeasurements,
  measurementStyle,
} from './group-measurements';
import { GroupMetersRepository } from './group-meters.repository';
import { OscpOutboxService } from './oscp-outbox.service';
import type { MeasurementConfiguration } from './oscp.types';

/**
 * Reports to a DSO peer what its groups drew, from the OCPP meter values: UpdateGroupMeasurements, or
 * UpdateAssetMeasurements for peers that want those (per-peer option).
 */
@Injectable()
export class MeasurementsService {
  constructor(
    private readonly peers: DsoPeersRepository,
    private readonly forecasts: CapacityForecastsRepository,
    private readonly meters: GroupMetersRepository,
    private readonly outbox: OscpOutboxService,
  ) {}

  /** The timer job of a peer that asked for measurements: one message per group it forecasts. */
  async report(peerId: string, now = new Date()): Promise<void> {
    const peer = await this.peers.findById(peerId);
    if (!peer?.canCallPeer) return;
    for (const groupId of await this.forecasts.groupsOfPeer(peer.id)) {
      await this.reportGroup(peer, groupId, now);
    }
  }

  private async reportGroup(peer: DsoPeer, groupId: string, now: Date): Promise<void> {
    const readings = await this.meters.readings(groupId);
    if (peer.options.measurementMessage === 'ASSET') {
      // The schema wants at least one asset: a group without connectors has nothing to report.
      if (readings.length === 0) return;
      const combined = peer.options.combinedAssetId;
      const measurements = combined
        ? combinedAssetMeasurement(readings, combined, now)
        : assetMeasurements(readings, now);
      await this.outbox.send(peer.id, 'update_asset_measurements', { group_id: groupId, measurements });
      return;
    }
    const asked = (peer.peerRequiredBehaviour?.measurement_configuration ?? []) as MeasurementConfiguration[];
    const measurements = groupMeasurements(readings, measurementStyle(asked), now);
    await this.outbox.send(peer.id, 'update_group_measurements', { group_id: groupId, measurements });
  }
}
