import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { hashPassword } from '@gridflex/common';
import {
  ChargersRepository,
  ChargerWithConnectors,
  DuplicateChargerIdentityError,
} from './chargers.repository';
import { CreateChargerDto } from './dto/create-charger.dto';
import { CreateSiteDto } from './dto/create-site.dto';
import { SITE_CONFIGURATION_CHANGED, SiteConfigurationChangedEvent } from './events';
import { SiteRow, SitesRepository } from './sites.repository';
import { ChargerView, SiteDetailView, SiteView, toChargerView, toSiteView } from './views';

@Injectable()
export class SitesService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly chargers: ChargersRepository,
    private readonly events: EventEmitter2,
  ) {}

  async create(dto: CreateSiteDto): Promise<SiteView> {
    const site = await this.sites.create({
      name: dto.name,
      groupId: dto.groupId ?? null,
      nominalVoltageV: dto.nominalVoltageV,
      limitL1A: dto.gridLimitA.l1,
      limitL2A: dto.gridLimitA.l2,
      limitL3A: dto.gridLimitA.l3,
    });
    this.announceChange(site.id, [site.groupId]);
    return toSiteView(site);
  }

  async list(): Promise<SiteView[]> {
    return (await this.sites.list()).map(toSiteView);
  }

  async get(id: string): Promise<SiteDetailView> {
    const site = await this.requireSite(id);
    const chargers = await this.chargers.listBySite(id);
    return { ...toSiteView(site), chargers: chargers.map(toChargerView) };
  }

  async updateGroup(id: string, groupId: string | null): Promise<SiteView> {
    const before = await this.requireSite(id);
    const after = await this.sites.updateGroup(id, groupId);
    if (!after) throw new NotFoundException(`Site ${id} not found`);
    this.announceChange(id, [before.groupId, after.groupId]);
    return toSiteView(after);
  }

  async addCharger(siteId: string, dto: CreateChargerDto): Promise<ChargerView> {
    const site = await this.requireSite(siteId);
    let charger: ChargerWithConnectors;
    try {
      charger = await this.chargers.create({
        siteId,
        identity: dto.identity,
        passwordHash: dto.password ? await hashPassword(dto.password) : null,
        ocppVersion: dto.ocppVersion,
        connectors: dto.connectors.map((c) => ({
          connectorId: c.connectorId,
          maxCurrentA: c.maxCurrentA,
          phases: c.phases,
        })),
      });
    } catch (error) {
      if (error instanceof DuplicateChargerIdentityError) throw new ConflictException(error.message);
      throw error;
    }
    this.announceChange(siteId, [site.groupId]);
    return toChargerView(charger);
  }

  async listChargers(siteId: string): Promise<ChargerView[]> {
    await this.requireSite(siteId);
    return (await this.chargers.listBySite(siteId)).map(toChargerView);
  }

  private async requireSite(id: string): Promise<SiteRow> {
    const site = await this.sites.findById(id);
    if (!site) throw new NotFoundException(`Site ${id} not found`);
    return site;
  }

  private announceChange(siteId: string, groupIds: (string | null)[]): void {
    const groups = [...new Set(groupIds.filter((g): g is string => g !== null))];
    this.events.emit(SITE_CONFIGURATION_CHANGED, new SiteConfigurationChangedEvent(siteId, groups));
  }
}
