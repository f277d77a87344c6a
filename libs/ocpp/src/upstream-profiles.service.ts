import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { ChargerSession } from './charger-session';
import {
  ChargerStateChangedEvent,
  OCPP_CHARGER_STATE_CHANGED,
  OCPP_UPSTREAM_PROFILES_CHANGED,
  UpstreamProfilesChangedEvent,
  UpstreamProfilesVerdict,
} from './events';
import {
  parseUpstreamClear,
  parseUpstreamProfile,
  UpstreamProfileRefusal,
  UpstreamProfileRequest,
} from './upstream-profile-request';
import { UpstreamProfilesRepository } from './upstream-profiles.repository';

/** The profile messages of an upstream central system that gridflex answers itself instead of the charger. */
const ARBITRATED_ACTIONS = new Set(['SetChargingProfile', 'ClearChargingProfile']);

const VERDICT_REFUSALS: Readonly<
  Record<Exclude<UpstreamProfilesVerdict, 'accepted'>, UpstreamProfileRefusal>
> = {
  rejected: { reasonCode: 'ChargerRejected', reason: 'the charger refused the resulting profile' },
  timeout: {
    reasonCode: 'ChargerTimeout',
    reason: 'the charger did not accept the resulting profile in time',
  },
};

/**
 * Proxy mode: gridflex stays the only writer of the charger's profiles. What the upstream central system sets
 * is stored as an upper bound on gridflex's own plan; the charger receives the minimum of the two, and the
 * upstream is answered once the charger has accepted (or refused) that result.
 */
@Injectable()
export class UpstreamProfilesService {
  private readonly logger = new Logger(UpstreamProfilesService.name);

  constructor(
    private readonly repository: UpstreamProfilesRepository,
    private readonly events: EventEmitter2,
  ) {}

  /** Whether gridflex answers this call of the upstream itself rather than forwarding it to the charger. */
  arbitrates(action: string): boolean {
    return ARBITRATED_ACTIONS.has(action);
  }

  /** The answer to the upstream's SetChargingProfile or ClearChargingProfile (params valid per its schema). */
  answer(session: ChargerSession, action: string, params: object): Promise<Record<string, unknown>> {
    return action === 'SetChargingProfile' ? this.set(session, params) : this.clear(session, params);
  }

  /** TxProfiles go with their transaction. */
  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerStateChanged(event: ChargerStateChangedEvent): Promise<void> {
    if (event.reason === 'transaction-stopped') await this.repository.dropEndedTransactions(event.chargerId);
  }

  private async set(session: ChargerSession, params: object): Promise<Record<string, unknown>> {
    const profile = await this.modelled(session, parseUpstreamProfile(session.protocol, params));
    if ('reasonCode' in profile) return this.refuse(session, profile);
    const transactionId =
      profile.purpose === 'TxProfile'
        ? await this.repository.openTransactionOn(session.chargerId, profile.connectorId)
        : null;
    if (profile.purpose === 'TxProfile' && transactionId === null)
      return this.refuse(session, {
        reasonCode: 'NoTransaction',
        reason: 'no transaction runs on the connector',
      });
    const replaced = await this.repository.store(session.chargerId, profile, transactionId, new Date());
    const verdict = await this.arbitrate(session, [profile.connectorId]);
    if (verdict === 'accepted') return { status: 'Accepted' };
    await this.repository.restore(session.chargerId, profile.profileId, replaced);
    void this.arbitrate(session, [profile.connectorId]);
    return this.refuse(session, VERDICT_REFUSALS[verdict]);
  }

  /** Cleared is cleared: once the charger got the result (or did not in time), the answer is Accepted. */
  private async clear(session: ChargerSession, params: object): Promise<Record<string, unknown>> {
    const filter = parseUpstreamClear(session.protocol, params);
    const connectorIds = filter === null ? [] : await this.repository.clear(session.chargerId, filter);
    if (connectorIds.length === 0) return { status: 'Unknown' };
    const verdict = await this.arbitrate(session, [...new Set(connectorIds)]);
    if (verdict !== 'accepted')
      this.logger.warn(`${session.identity}: the profile after the upstream's clear was ${verdict}`);
    return { status: 'Accepted' };
  }

  /** The request, unless its connector is not one of the charger's. */
  private async modelled(
    session: ChargerSession,
    profile: UpstreamProfileRequest | UpstreamProfileRefusal,
  ): Promise<UpstreamProfileRequest | UpstreamProfileRefusal> {
    if ('reasonCode' in profile) return profile;
    if (await this.repository.hasConnector(session.chargerId, profile.connectorId)) return profile;
    return { reasonCode: 'UnknownConnector', reason: 'the charger has no such connector' };
  }

  /** What the charger answered its re-planned profile, as the listener (planning) reports it. */
  private async arbitrate(session: ChargerSession, connectorIds: number[]): Promise<UpstreamProfilesVerdict> {
    const event = new UpstreamProfilesChangedEvent(session.chargerId, session.siteId, connectorIds);
    try {
      const [verdict] = (await this.events.emitAsync(OCPP_UPSTREAM_PROFILES_CHANGED, event)) as (
        UpstreamProfilesVerdict | undefined
      )[];
      return verdict ?? 'rejected';
    } catch (error) {
      this.logger.warn(
        `${session.identity}: re-planning for its upstream's profiles failed: ${String(error)}`,
      );
      return 'rejected';
    }
  }

  private refuse(session: ChargerSession, refusal: UpstreamProfileRefusal): Record<string, unknown> {
    this.logger.log(
      `SetChargingProfile from the upstream of ${session.identity} rejected: ${refusal.reason}`,
    );
    if (session.protocol === 'ocpp1.6') return { status: 'Rejected' };
    return {
      status: 'Rejected',
      statusInfo: { reasonCode: refusal.reasonCode, additionalInfo: refusal.reason },
    };
  }
}
