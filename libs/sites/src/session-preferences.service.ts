import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChargersRepository } from './chargers.repository';
import { SessionPreferencesDto } from './dto/session-preferences.dto';
import { SITE_CONFIGURATION_CHANGED, SiteConfigurationChangedEvent } from './events';
import {
  SessionPreferencesRepository,
  SessionPreferencesRow,
  wishSource,
  WishSourceView,
} from './session-preferences.repository';
import { SitesRepository } from './sites.repository';

export interface SessionPreferencesView {
  transactionId: number;
  priority: number | null;
  energyWantedWh: number | null;
  departureAt: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
  source: WishSourceView;
  /** What the EV said it can take (ISO 15118, or our 1.6 DataTransfer); null when it told nothing. */
  evLimits: EvLimitsView | null;
  /** The EV's state of charge (%) as last reported in this session; null when never. */
  socPercent: number | null;
}

export interface EvLimitsView {
  minCurrentA: number | null;
  maxCurrentA: number | null;
  maxPowerW: number | null;
  phases: number | null;
}

const NOTHING_TOLD = {
  priority: null,
  energyWantedWh: null,
  departureAt: null,
  updatedBy: null,
  updatedAt: null,
  source: 'default' as const,
  evLimits: null,
};

function evLimits(row: SessionPreferencesRow): EvLimitsView | null {
  const limits = {
    minCurrentA: row.evMinCurrentA,
    maxCurrentA: row.evMaxCurrentA,
    maxPowerW: row.evMaxPowerW,
    phases: row.evPhases,
  };
  return Object.values(limits).every((value) => value === null) ? null : limits;
}

function toView(session: RunningSession, row: SessionPreferencesRow | undefined): SessionPreferencesView {
  const { transactionId, socPercent } = session;
  if (!row) return { transactionId, ...NOTHING_TOLD, socPercent };
  return {
    transactionId,
    priority: row.priority,
    energyWantedWh: row.energyWantedWh,
    departureAt: row.departureAt?.toISOString() ?? null,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
    source: wishSource(row),
    evLimits: evLimits(row),
    socPercent,
  };
}

/** The open transaction on a connector and what its readings say of the EV. */
interface RunningSession {
  transactionId: number;
  socPercent: number | null;
}

/** Priority, energy wanted and departure of the session running on a connector, fed to the planner. */
@Injectable()
export class SessionPreferencesService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly chargers: ChargersRepository,
    private readonly preferences: SessionPreferencesRepository,
    private readonly events: EventEmitter2,
  ) {}

  async get(siteId: string, chargerId: string, connectorId: number): Promise<SessionPreferencesView> {
    const session = await this.requireSession(siteId, chargerId, connectorId);
    return toView(session, await this.preferences.find(session.transactionId));
  }

  async set(
    siteId: string,
    chargerId: string,
    connectorId: number,
    dto: SessionPreferencesDto,
    actor: string,
  ): Promise<SessionPreferencesView> {
    if (dto.priority === undefined && dto.energyWantedWh === undefined && dto.departureAt === undefined) {
      const message = 'Give at least one of priority, energyWantedWh, departureAt';
      throw new BadRequestException({ message, errors: [{ field: 'body', messages: [message] }] });
    }
    const session = await this.requireSession(siteId, chargerId, connectorId);
    const departureAt =
      dto.departureAt === undefined || dto.departureAt === null ? dto.departureAt : new Date(dto.departureAt);
    const row = await this.preferences.upsert(session.transactionId, {
      priority: dto.priority,
      energyWantedWh: dto.energyWantedWh,
      departureAt,
      updatedBy: actor,
      source: 'api',
    });
    const site = await this.sites.findById(siteId);
    const groups = site?.groupId ? [site.groupId] : [];
    this.events.emit(SITE_CONFIGURATION_CHANGED, new SiteConfigurationChangedEvent(siteId, groups));
    return toView(session, row);
  }

  private async requireSession(
    siteId: string,
    chargerId: string,
    connectorId: number,
  ): Promise<RunningSession> {
    await this.sites.getById(siteId);
    const charger = (await this.chargers.listBySite(siteId)).find((c) => c.id === chargerId);
    if (!charger) throw new NotFoundException(`Charger ${chargerId} not found on site ${siteId}`);
    const transactionId = await this.preferences.openTransactionId(chargerId, connectorId);
    if (transactionId === undefined) {
      throw new NotFoundException(
        `No session runs on connector ${connectorId} of charger "${charger.identity}"`,
      );
    }
    const connector = charger.connectors.find((c) => c.connectorId === connectorId);
    return { transactionId, socPercent: connector?.socPercent ?? null };
  }
}
