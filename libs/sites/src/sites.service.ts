import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { hashPassword } from '@gridflex/common';
import { ChargersRepository, DuplicateChargerIdentityError } from './chargers.repository';
import { BaseLoadReadingDto } from './dto/base-load-reading.dto';
import { CircuitDto } from './dto/circuit.dto';
import { CreateChargerDto } from './dto/create-charger.dto';
import { CreateSiteDto, PhaseLimitsDto, UpdateSiteDto } from './dto/create-site.dto';
import { UpdateChargerDto } from './dto/update-charger.dto';
import { UpdateConnectorDto } from './dto/update-connector.dto';
import { SITE_CONFIGURATION_CHANGED, SiteConfigurationChangedEvent } from './events';
import {
  InvalidSiteModelError,
  unknownCircuitMessage,
  unknownParentMessage,
  validateSiteModel,
} from './site-model';
import {
  CircuitFields,
  SiteModelRepository,
  SiteNotFoundError,
  VersionedResult,
} from './site-model.repository';
import { NewSite, SitesRepository } from './sites.repository';
import { transformerColumn } from './transformer';
import {
  changeChargerUpstream,
  ChargerUpstream,
  ChargerUpstreamChange,
  changesUpstream,
  InvalidUpstreamError,
  NO_CHARGER_UPSTREAM,
} from './upstream';
import {
  ChargerView,
  CircuitView,
  ModelChangeView,
  SiteDetailView,
  SiteView,
  toChargerView,
  toCircuitView,
  toModelChangeView,
  toSiteView,
  WithWarnings,
} from './views';

const phaseArray = (limits: PhaseLimitsDto): [number, number, number] => [limits.l1, limits.l2, limits.l3];

@Injectable()
export class SitesService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly chargers: ChargersRepository,
    private readonly model: SiteModelRepository,
    private readonly events: EventEmitter2,
  ) {}

  async create(dto: CreateSiteDto, actor: string): Promise<SiteView> {
    const fields: NewSite = {
      name: dto.name,
      groupId: dto.groupId ?? null,
      nominalVoltageV: dto.nominalVoltageV,
      limitL1A: dto.gridLimitA.l1,
      limitL2A: dto.gridLimitA.l2,
      limitL3A: dto.gridLimitA.l3,
      ...siteFields(dto),
    };
    const details = withoutUpstreamPassword(dto);
    const site = await this.sites.create(fields, { actor, action: 'site.created', details });
    this.announceChange(site.id, [site.groupId]);
    return toSiteView(site);
  }

  async list(): Promise<SiteView[]> {
    return (await this.sites.list()).map(toSiteView);
  }

  async get(id: string): Promise<SiteDetailView> {
    const site = await this.sites.getById(id);
    const [circuits, chargers, model] = await Promise.all([
      this.model.listCircuits(id),
      this.chargers.listBySite(id),
      this.model.readModel(id),
    ]);
    return {
      ...toSiteView(site),
      circuits: circuits.map(toCircuitView),
      chargers: chargers.map((charger) => toChargerView(charger, site)),
      warnings: validateSiteModel(model).warnings,
    };
  }

  async update(id: string, dto: UpdateSiteDto, actor: string): Promise<WithWarnings<SiteView>> {
    const { name, nominalVoltageV } = dto;
    const fields = { ...siteFields(dto), ...definedOnly({ name, nominalVoltageV }) };
    requireSomething(fields);
    const details = withoutUpstreamPassword(dto);
    const { result, warnings } = await this.versioned(() =>
      this.model.updateSite(id, fields, { actor, action: 'site.updated', details }),
    );
    this.announceChange(id, [result.groupId]);
    return { ...toSiteView(result), warnings };
  }

  async updateGroup(id: string, groupId: string | null, actor: string): Promise<SiteView> {
    const before = await this.sites.getById(id);
    const { result } = await this.versioned(() =>
      this.sites.updateGroup(id, groupId, { actor, action: 'site.group-changed', details: { groupId } }),
    );
    this.announceChange(id, [before.groupId, result.groupId]);
    return toSiteView(result);
  }

  async addCharger(siteId: string, dto: CreateChargerDto, actor: string): Promise<WithWarnings<ChargerView>> {
    const site = await this.sites.getById(siteId);
    const { password, upstreamPassword, ...described } = dto;
    const upstream = upstreamSettings(NO_CHARGER_UPSTREAM, dto);
    await this.requireOwnCircuit(
      siteId,
      dto.circuitId,
      unknownCircuitMessage(dto.identity, dto.circuitId ?? ''),
    );
    const change = {
      actor,
      action: 'charger.added',
      details: {
        ...described,
        upstreamMode: upstream.upstreamMode,
        passwordProtected: !!password,
        upstreamPasswordSet: !!upstreamPassword,
      },
    };
    const { result, warnings } = await this.versioned(async () =>
      this.chargers.create(
        {
          siteId,
          identity: dto.identity,
          passwordHash: password ? await hashPassword(password) : null,
          ocppVersion: dto.ocppVersion,
          ...upstream,
          circuitId: dto.circuitId ?? null,
          maxCurrentA: dto.maxCurrentA ?? null,
          phaseRotation: dto.phaseRotation,
          smartChargingExcluded: dto.smartChargingExcluded,
          connectors: dto.connectors.map((c) => ({
            connectorId: c.connectorId,
            maxCurrentA: c.maxCurrentA,
            phases: c.phases,
            lineToLine: c.lineToLine ?? null,
            minCurrentA: c.minCurrentA,
            priority: c.priority,
          })),
        },
        change,
      ),
    );
    this.announceChange(siteId, [site.groupId]);
    return { ...toChargerView(result, site), warnings };
  }

  async listChargers(siteId: string): Promise<ChargerView[]> {
    const site = await this.sites.getById(siteId);
    return (await this.chargers.listBySite(siteId)).map((charger) => toChargerView(charger, site));
  }

  async updateCharger(
    siteId: string,
    chargerId: string,
    dto: UpdateChargerDto,
    actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    const site = await this.sites.getById(siteId);
    const charger = (await this.chargers.listBySite(siteId)).find((c) => c.id === chargerId);
    if (!charger) throw new NotFoundException(`Charger ${chargerId} not found on site ${siteId}`);
    const { upstreamMode, upstreamUrl, upstreamPassword, ...others } = dto;
    requireSomething(definedOnly({ ...dto }));
    const upstreamChange = { upstreamMode, upstreamUrl, upstreamPassword };
    const fields = {
      ...definedOnly(others),
      ...(changesUpstream(upstreamChange) && upstreamSettings(charger, upstreamChange)),
    };
    await this.requireOwnCircuit(
      siteId,
      dto.circuitId,
      unknownCircuitMessage(charger.identity, dto.circuitId ?? ''),
    );
    const details = {
      identity: charger.identity,
      ...others,
      ...(upstreamUrl !== undefined && { upstreamUrl }),
      ...(changesUpstream(upstreamChange) && { upstreamMode: fields.upstreamMode }),
      ...(upstreamPassword !== undefined && { upstreamPasswordSet: upstreamPassword !== null }),
    };
    const change = { actor, action: 'charger.updated', details };
    const { warnings } = await this.versioned(() =>
      this.model.updateCharger(siteId, chargerId, fields, change),
    );
    this.announceChange(siteId, [site.groupId]);
    const updated = (await this.chargers.listBySite(siteId)).find((c) => c.id === chargerId);
    return { ...toChargerView(updated ?? charger, site), warnings };
  }

  async updateConnector(
    siteId: string,
    chargerId: string,
    connectorId: number,
    dto: UpdateConnectorDto,
    actor: string,
  ): Promise<WithWarnings<ChargerView>> {
    const site = await this.sites.getById(siteId);
    const charger = (await this.chargers.listBySite(siteId)).find((c) => c.id === chargerId);
    const connector = charger?.connectors.find((c) => c.connectorId === connectorId);
    if (!charger || !connector) {
      throw new NotFoundException(
        `Connector ${connectorId} of charger ${chargerId} not found on site ${siteId}`,
      );
    }
    const fields = definedOnly({ ...dto });
    requireSomething(fields);
    const change = {
      actor,
      action: 'connector.updated',
      details: { identity: charger.identity, connectorId, ...dto },
    };
    const { warnings } = await this.versioned(() =>
      this.model.updateConnector(siteId, connector.id, fields, change),
    );
    this.announceChange(siteId, [site.groupId]);
    const updated = (await this.chargers.listBySite(siteId)).find((c) => c.id === chargerId);
    return { ...toChargerView(updated ?? charger, site), warnings };
  }

  async listCircuits(siteId: string): Promise<CircuitView[]> {
    await this.sites.getById(siteId);
    return (await this.model.listCircuits(siteId)).map(toCircuitView);
  }

  async addCircuit(siteId: string, dto: CircuitDto, actor: string): Promise<WithWarnings<CircuitView>> {
    const site = await this.sites.getById(siteId);
    await this.requireOwnCircuit(siteId, dto.parentId, unknownParentMessage(dto.name, dto.parentId ?? ''));
    const { result, warnings } = await this.versioned(() =>
      this.model.createCircuit(siteId, circuitFields(dto), {
        actor,
        action: 'circuit.added',
        details: { ...dto },
      }),
    );
    this.announceChange(siteId, [site.groupId]);
    return { ...toCircuitView(result), warnings };
  }

  async replaceCircuit(
    siteId: string,
    circuitId: string,
    dto: CircuitDto,
    actor: string,
  ): Promise<WithWarnings<CircuitView>> {
    const site = await this.sites.getById(siteId);
    await this.requireCircuit(siteId, circuitId);
    await this.requireOwnCircuit(siteId, dto.parentId, unknownParentMessage(dto.name, dto.parentId ?? ''));
    const change = { actor, action: 'circuit.replaced', details: { circuitId, ...dto } };
    const { result, warnings } = await this.versioned(() =>
      this.model.updateCircuit(siteId, circuitId, circuitFields(dto), change),
    );
    this.announceChange(siteId, [site.groupId]);
    return { ...toCircuitView(result), warnings };
  }

  /** Only an empty circuit can go: removing one with circuits or chargers below would silently re-home them. */
  async removeCircuit(siteId: string, circuitId: string, actor: string): Promise<void> {
    const site = await this.sites.getById(siteId);
    const circuit = await this.requireCircuit(siteId, circuitId);
    const model = await this.model.readModel(siteId);
    const children = model.circuits.filter((c) => c.parentId === circuitId).map((c) => `circuit "${c.name}"`);
    const chargers = model.chargers
      .filter((c) => c.circuitId === circuitId)
      .map((c) => `charger "${c.identity}"`);
    if (children.length + chargers.length > 0) {
      throw new ConflictException(
        `Circuit "${circuit.name}" still feeds ${[...children, ...chargers].join(', ')}; move or remove them first`,
      );
    }
    const change = { actor, action: 'circuit.removed', details: { circuitId, name: circuit.name } };
    await this.versioned(() => this.model.deleteCircuit(siteId, circuitId, change));
    this.announceChange(siteId, [site.groupId]);
  }

  async recordBaseLoadReading(siteId: string, dto: BaseLoadReadingDto): Promise<SiteView> {
    const site = await this.sites.getById(siteId);
    const measuredAt = dto.measuredAt ? new Date(dto.measuredAt) : new Date();
    const kept = await this.model.recordBaseLoadReading(siteId, phaseArray(dto.currentA), measuredAt);
    if (kept && site.baseLoadMode === 'metered') this.announceChange(siteId, [site.groupId]);
    return toSiteView(await this.sites.getById(siteId));
  }

  async listChanges(siteId: string): Promise<ModelChangeView[]> {
    await this.sites.getById(siteId);
    return (await this.model.listChanges(siteId)).map(toModelChangeView);
  }

  /** Maps the repository's domain errors to HTTP answers; nothing was stored when they occur. */
  private async versioned<T>(write: () => Promise<VersionedResult<T>>): Promise<VersionedResult<T>> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof InvalidSiteModelError) throw invalidModel(error);
      if (error instanceof SiteNotFoundError) throw new NotFoundException(error.message);
      if (error instanceof DuplicateChargerIdentityError) throw new ConflictException(error.message);
      throw error;
    }
  }

  private async requireCircuit(siteId: string, circuitId: string) {
    const circuit = await this.model.findCircuit(siteId, circuitId);
    if (!circuit) throw new NotFoundException(`Circuit ${circuitId} not found on site ${siteId}`);
    return circuit;
  }

  /** A reference to a circuit must name one of the site's; checked before writing, where the foreign key would fail. */
  private async requireOwnCircuit(siteId: string, circuitId: string | null | undefined, message: string) {
    if (!circuitId || (await this.model.findCircuit(siteId, circuitId))) return;
    throw invalidModel(new InvalidSiteModelError([message]));
  }

  private announceChange(siteId: string, groupIds: (string | null)[]): void {
    const groups = [...new Set(groupIds.filter((g): g is string => g !== null))];
    this.events.emit(SITE_CONFIGURATION_CHANGED, new SiteConfigurationChangedEvent(siteId, groups));
  }
}

/** The optional site properties shared by creation and update, as columns; absent ones are left out. */
function siteFields(dto: UpdateSiteDto): Partial<NewSite> {
  return definedOnly({
    limitL1A: dto.gridLimitA?.l1,
    limitL2A: dto.gridLimitA?.l2,
    limitL3A: dto.gridLimitA?.l3,
    totalLimitKw: dto.totalLimitKw,
    lineToLineVoltageV: dto.lineToLineVoltageV,
    transformer: dto.transformer && transformerColumn(dto.transformer),
    timeZone: dto.timeZone,
    baseLoadMode: dto.baseLoad?.mode,
    baseLoadA: dto.baseLoad ? phaseArray(dto.baseLoad.currentA) : undefined,
    upstreamUrl: dto.upstreamUrl,
    upstreamPassword: dto.upstreamPassword,
  });
}

/** A site request as its change history keeps it: whether an upstream password is set, never the password. */
function withoutUpstreamPassword(dto: UpdateSiteDto): Record<string, unknown> {
  const { upstreamPassword, ...described } = dto;
  return {
    ...described,
    ...(upstreamPassword !== undefined && { upstreamPasswordSet: upstreamPassword !== null }),
  };
}

/** A charger's upstream settings after a request, or a 400 saying which combination cannot be stored. */
function upstreamSettings(current: ChargerUpstream, change: ChargerUpstreamChange): ChargerUpstream {
  try {
    return changeChargerUpstream(current, change);
  } catch (error) {
    if (!(error instanceof InvalidUpstreamError)) throw error;
    throw new BadRequestException({
      message: error.message,
      errors: [{ field: 'upstreamMode', messages: [error.message] }],
    });
  }
}

function circuitFields(dto: CircuitDto): CircuitFields {
  return {
    name: dto.name,
    parentId: dto.parentId ?? null,
    limitL1A: dto.limitA.l1,
    limitL2A: dto.limitA.l2,
    limitL3A: dto.limitA.l3,
    transformer: dto.transformer ? transformerColumn(dto.transformer) : null,
  };
}

function invalidModel(error: InvalidSiteModelError): BadRequestException {
  return new BadRequestException({
    message: error.message,
    errors: [{ field: 'model', messages: error.errors }],
  });
}

function requireSomething(fields: object): void {
  if (Object.keys(fields).length === 0) {
    const message = 'Give at least one property to change';
    throw new BadRequestException({ message, errors: [{ field: 'body', messages: [message] }] });
  }
}

/** Drops undefined properties so that a partial update leaves the absent columns as they are. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
