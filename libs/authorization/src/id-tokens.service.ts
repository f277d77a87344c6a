import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { FOREIGN_KEY_VIOLATION, sqlStateOf, UNIQUE_VIOLATION } from '@gridflex/common';
import { AffectedSites, AuthorizationRepository, IdTokenChanges } from './authorization.repository';
import { SitePolicy, tokenKey } from './decide';
import { CreateIdTokenDto, UpdateIdTokenDto } from './dto/id-token.dto';
import { LocalAuthListProcessor } from './local-auth-list.processor';
import { IdTokenView, idTokenView, SiteAuthorizationView } from './views';

/**
 * The admin side of authorization: the id token list and each site's policy. Every change is followed by a
 * sync of the local auth lists of the chargers whose site it touches.
 */
@Injectable()
export class IdTokensService {
  private readonly logger = new Logger(IdTokensService.name);

  constructor(
    private readonly repository: AuthorizationRepository,
    private readonly localLists: LocalAuthListProcessor,
  ) {}

  async list(): Promise<IdTokenView[]> {
    return (await this.repository.list()).map(idTokenView);
  }

  async get(id: string): Promise<IdTokenView> {
    const row = await this.repository.get(id);
    if (!row) throw notFound(id);
    return idTokenView(row);
  }

  async create(dto: CreateIdTokenDto): Promise<IdTokenView> {
    refuseOwnGroup(dto.idToken, dto.parentIdToken);
    if (dto.siteId !== undefined) await this.requireSite(dto.siteId);
    const { row, sites } = await this.refusingConflicts(dto.idToken, () =>
      this.repository.create({
        idToken: dto.idToken,
        type: dto.type,
        status: dto.status,
        expiresAt: dto.expiresAt === undefined ? null : new Date(dto.expiresAt),
        parentIdToken: dto.parentIdToken ?? null,
        siteId: dto.siteId ?? null,
      }),
    );
    await this.sync(sites);
    return idTokenView(row);
  }

  async update(id: string, dto: UpdateIdTokenDto): Promise<IdTokenView> {
    const current = await this.repository.get(id);
    if (!current) throw notFound(id);
    refuseOwnGroup(current.idToken, dto.parentIdToken ?? undefined);
    if (dto.siteId !== undefined && dto.siteId !== null) await this.requireSite(dto.siteId);
    const updated = await this.refusingConflicts(current.idToken, () =>
      this.repository.update(id, changesOf(dto)),
    );
    if (!updated) throw notFound(id);
    await this.sync(updated.sites);
    return idTokenView(updated.row);
  }

  async remove(id: string): Promise<void> {
    const sites = await this.repository.remove(id);
    if (!sites) throw notFound(id);
    await this.sync(sites);
  }

  async sitePolicy(siteId: string): Promise<SiteAuthorizationView> {
    if (!(await this.repository.siteExists(siteId))) throw new NotFoundException(`Site ${siteId} not found`);
    return { siteId, ...(await this.repository.sitePolicy(siteId)) };
  }

  async setSitePolicy(
    siteId: string,
    settings: { policy: SitePolicy; allowConcurrentTransactions?: boolean },
  ): Promise<SiteAuthorizationView> {
    if (!(await this.repository.siteExists(siteId))) throw new NotFoundException(`Site ${siteId} not found`);
    const { listVersion, changed, allowConcurrentTransactions } = await this.repository.setSitePolicy(
      siteId,
      settings,
    );
    if (changed) await this.sync({ all: false, siteIds: [siteId] });
    return { siteId, policy: settings.policy, listVersion, allowConcurrentTransactions };
  }

  private async requireSite(siteId: string): Promise<void> {
    if (!(await this.repository.siteExists(siteId))) {
      throw new BadRequestException({
        message: `siteId: no site ${siteId}`,
        errors: [{ field: 'siteId', messages: [`no site ${siteId}`] }],
      });
    }
  }

  /** A duplicate (case-insensitively) is a conflict; a site deleted meanwhile, a refused input. */
  private async refusingConflicts<T>(idToken: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      const state = sqlStateOf(error);
      if (state === UNIQUE_VIOLATION) {
        throw new ConflictException(
          `An id token "${idToken}" is already listed (compared case-insensitively)`,
        );
      }
      if (state === FOREIGN_KEY_VIOLATION) throw new BadRequestException('siteId: the site no longer exists');
      throw error;
    }
  }

  /** The change is stored: a failure to queue the lists is logged, and the next connect of each charger syncs it. */
  private async sync(sites: AffectedSites): Promise<void> {
    try {
      await this.localLists.syncSites(sites);
    } catch (error) {
      this.logger.warn(`Queueing local auth lists failed: ${String(error)}`);
    }
  }
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`Id token ${id} not found`);
}

function refuseOwnGroup(idToken: string, parentIdToken: string | undefined): void {
  if (parentIdToken !== undefined && tokenKey(parentIdToken) === tokenKey(idToken)) {
    throw new BadRequestException({
      message: 'parentIdToken: a token cannot be its own group',
      errors: [{ field: 'parentIdToken', messages: ['a token cannot be its own group'] }],
    });
  }
}

function changesOf(dto: UpdateIdTokenDto): IdTokenChanges {
  return {
    ...(dto.type !== undefined && { type: dto.type }),
    ...(dto.status !== undefined && { status: dto.status }),
    ...(dto.expiresAt !== undefined && {
      expiresAt: dto.expiresAt === null ? null : new Date(dto.expiresAt),
    }),
    ...(dto.parentIdToken !== undefined && { parentIdToken: dto.parentIdToken }),
    ...(dto.siteId !== undefined && { siteId: dto.siteId }),
  };
}
