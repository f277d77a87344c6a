import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { hashPassword } from '@gridflex/common';
import type { Database, schema } from '@gridflex/persistence';
import { ChargersRepository, DuplicateChargerIdentityError } from './chargers.repository';
import { CircuitDocumentDto, SITE_DOCUMENT_FORMAT, SiteDocumentDto } from './dto/site-document.dto';
import { SITE_CONFIGURATION_CHANGED, SiteConfigurationChangedEvent } from './events';
import { InvalidSiteModelError } from './site-model';
import { ImportedSite, SiteModelRepository } from './site-model.repository';
import { SitesRepository } from './sites.repository';
import { transformerColumn } from './transformer';
import {
  changeChargerUpstream,
  ChargerUpstream,
  ChargerUpstreamChange,
  InvalidUpstreamError,
  NO_CHARGER_UPSTREAM,
  UpstreamMode,
} from './upstream';
import { SiteView, toSiteView, WithWarnings } from './views';

/** The export format; the same shape is accepted back by import. */
export interface SiteDocument {
  format: typeof SITE_DOCUMENT_FORMAT;
  site: {
    name: string;
    groupId?: string;
    nominalVoltageV: number;
    lineToLineVoltageV?: number;
    transformer?: schema.TransformerColumn;
    gridLimitA: { l1: number; l2: number; l3: number };
    totalLimitKw?: number;
    timeZone: string;
    baseLoad: { mode: string; currentA: { l1: number; l2: number; l3: number } };
    /** The site default upstream; its password is not exported. */
    upstreamUrl?: string;
  };
  circuits: {
    ref: string;
    name: string;
    parentRef: string | null;
    limitA: { l1: number; l2: number; l3: number };
    transformer?: schema.TransformerColumn;
  }[];
  chargers: {
    identity: string;
    ocppVersion: string;
    circuitRef: string | null;
    maxCurrentA?: number;
    phaseRotation: string[];
    smartChargingExcluded: boolean;
    /** Absent: `site`. */
    upstreamMode?: UpstreamMode;
    /** The charger's own upstream (mode `own`); its password is not exported. */
    upstreamUrl?: string;
    connectors: {
      connectorId: number;
      maxCurrentA: number;
      phases: number;
      lineToLine?: schema.LinePair;
      minCurrentA: number;
      priority: number;
    }[];
  }[];
}

const phaseLimits = ([l1, l2, l3]: readonly number[]) => ({ l1, l2, l3 });

function invalid(field: string, errors: string[]): BadRequestException {
  return new BadRequestException({
    message: `Invalid site model: ${errors.join('; ')}`,
    errors: [{ field, messages: errors }],
  });
}

/** Import and export of a site's whole model as one JSON document, validated like every other change. */
@Injectable()
export class SiteDocumentsService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly chargers: ChargersRepository,
    private readonly model: SiteModelRepository,
    private readonly events: EventEmitter2,
  ) {}

  async export(siteId: string): Promise<SiteDocument> {
    const site = await this.sites.getById(siteId);
    const [circuits, chargers] = await Promise.all([
      this.model.listCircuits(siteId),
      this.chargers.listBySite(siteId),
    ]);
    return {
      format: SITE_DOCUMENT_FORMAT,
      site: {
        name: site.name,
        ...(site.groupId !== null && { groupId: site.groupId }),
        nominalVoltageV: site.nominalVoltageV,
        ...(site.lineToLineVoltageV !== null && { lineToLineVoltageV: site.lineToLineVoltageV }),
        ...(site.transformer !== null && { transformer: site.transformer }),
        gridLimitA: phaseLimits([site.limitL1A, site.limitL2A, site.limitL3A]),
        ...(site.totalLimitKw !== null && { totalLimitKw: site.totalLimitKw }),
        timeZone: site.timeZone,
        baseLoad: { mode: site.baseLoadMode, currentA: phaseLimits(site.baseLoadA) },
        ...(site.upstreamUrl !== null && { upstreamUrl: site.upstreamUrl }),
      },
      circuits: circuits.map((c) => ({
        ref: c.id,
        name: c.name,
        parentRef: c.parentId,
        limitA: phaseLimits([c.limitL1A, c.limitL2A, c.limitL3A]),
        ...(c.transformer !== null && { transformer: c.transformer }),
      })),
      chargers: chargers.map((charger) => ({
        identity: charger.identity,
        ocppVersion: charger.ocppVersion,
        circuitRef: charger.circuitId,
        ...(charger.maxCurrentA !== null && { maxCurrentA: charger.maxCurrentA }),
        phaseRotation: charger.phaseRotation,
        smartChargingExcluded: charger.smartChargingExcluded,
        ...(charger.upstreamMode !== 'site' && { upstreamMode: charger.upstreamMode }),
        ...(charger.upstreamUrl !== null && { upstreamUrl: charger.upstreamUrl }),
        connectors: charger.connectors.map((c) => ({
          connectorId: c.connectorId,
          maxCurrentA: c.maxCurrentA,
          phases: c.phases,
          ...(c.lineToLine !== null && { lineToLine: c.lineToLine }),
          minCurrentA: c.minCurrentA,
          priority: c.priority,
        })),
      })),
    };
  }

  /** Creates a new site from a document; refs are resolved to new ids, so a backup can be imported beside its original. */
  async import(
    document: SiteDocumentDto,
    actor: string,
    alsoWrite?: (tx: Database, siteId: string) => Promise<void>,
  ): Promise<WithWarnings<SiteView>> {
    const circuitIds = circuitIdsByRef(document.circuits ?? []);
    let result: { siteId: string; warnings: string[] };
    try {
      const change = {
        actor,
        action: 'site.imported',
        details: { circuits: circuitIds.size, chargers: document.chargers?.length ?? 0 },
      };
      result = await this.model.importSite(
        await this.toImportedSite(document, circuitIds),
        change,
        alsoWrite,
      );
    } catch (error) {
      if (error instanceof InvalidSiteModelError) throw invalid('model', error.errors);
      if (error instanceof DuplicateChargerIdentityError) throw new ConflictException(error.message);
      throw error;
    }
    const site = await this.sites.getById(result.siteId);
    const groups = site.groupId ? [site.groupId] : [];
    this.events.emit(SITE_CONFIGURATION_CHANGED, new SiteConfigurationChangedEvent(site.id, groups));
    return { ...toSiteView(site), warnings: result.warnings };
  }

  private async toImportedSite(
    document: SiteDocumentDto,
    circuitIds: Map<string, string>,
  ): Promise<ImportedSite> {
    const { site } = document;
    const refOf = (ref: string | null | undefined, field: string) => {
      if (ref === undefined || ref === null) return null;
      const id = circuitIds.get(ref);
      if (!id) throw invalid(field, [`${field} "${ref}" names no circuit of the document`]);
      return id;
    };
    const chargers = await Promise.all(
      (document.chargers ?? []).map(async (charger, i) => {
        if (charger.circuitId !== undefined)
          throw invalid(`chargers[${i}].circuitId`, ['use circuitRef in a document']);
        return {
          identity: charger.identity,
          passwordHash: charger.password ? await hashPassword(charger.password) : null,
          ocppVersion: charger.ocppVersion,
          circuitId: refOf(charger.circuitRef, `chargers[${i}].circuitRef`),
          maxCurrentA: charger.maxCurrentA ?? null,
          phaseRotation: charger.phaseRotation,
          smartChargingExcluded: charger.smartChargingExcluded,
          ...importedUpstream(charger, `chargers[${i}].upstreamMode`),
          connectors: charger.connectors.map((c) => ({ ...c })),
        };
      }),
    );
    if (new Set(chargers.map((c) => c.identity)).size !== chargers.length) {
      throw invalid('chargers', ['charger identities must be distinct']);
    }
    return {
      site: {
        name: site.name,
        groupId: site.groupId ?? null,
        nominalVoltageV: site.nominalVoltageV,
        lineToLineVoltageV: site.lineToLineVoltageV ?? null,
        transformer: site.transformer ? transformerColumn(site.transformer) : null,
        limitL1A: site.gridLimitA.l1,
        limitL2A: site.gridLimitA.l2,
        limitL3A: site.gridLimitA.l3,
        totalLimitKw: site.totalLimitKw ?? null,
        timeZone: site.timeZone,
        baseLoadMode: site.baseLoad?.mode,
        baseLoadA: site.baseLoad
          ? [site.baseLoad.currentA.l1, site.baseLoad.currentA.l2, site.baseLoad.currentA.l3]
          : undefined,
        upstreamUrl: site.upstreamUrl ?? null,
        upstreamPassword: site.upstreamPassword ?? null,
      },
      circuits: (document.circuits ?? []).map((c, i) => ({
        id: circuitIds.get(c.ref)!,
        name: c.name,
        parentId: refOf(c.parentRef, `circuits[${i}].parentRef`),
        limitL1A: c.limitA.l1,
        limitL2A: c.limitA.l2,
        limitL3A: c.limitA.l3,
        transformer: c.transformer ? transformerColumn(c.transformer) : null,
      })),
      chargers,
    };
  }
}

/** A document charger's upstream settings, checked as on registration. */
function importedUpstream(charger: ChargerUpstreamChange, field: string): ChargerUpstream {
  try {
    return changeChargerUpstream(NO_CHARGER_UPSTREAM, charger);
  } catch (error) {
    if (error instanceof InvalidUpstreamError) throw invalid(field, [error.message]);
    throw error;
  }
}

function circuitIdsByRef(circuits: CircuitDocumentDto[]): Map<string, string> {
  const ids = new Map<string, string>();
  circuits.forEach((c, i) => {
    if (ids.has(c.ref)) throw invalid(`circuits[${i}].ref`, [`circuit ref "${c.ref}" is used twice`]);
    ids.set(c.ref, randomUUID());
  });
  return ids;
}
