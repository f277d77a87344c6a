import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { DistributedLockService } from '@gridflex/cluster';
import { describeFailure, REDIS_RECONNECTED } from '@gridflex/common';
import {
  SITE_CONFIGURATION_CHANGED,
  SiteConfigurationChangedEvent,
  SiteNotFoundError,
  SiteRow,
  SitesRepository,
} from '@gridflex/sites';
import { PeakShavingRuleDto } from './dto/peak-shaving-rule.dto';
import { TariffDto } from './dto/tariff.dto';
import { ruleColumns, tariffColumns } from './schedule-columns';
import { edgePatterns } from './schedule-series';
import { SCHEDULE_EDGES_QUEUE, WindowEdgeJob } from './schedules.constants';
import {
  PeakShavingRuleRow,
  ScheduleEntryNotFoundError,
  SchedulesRepository,
  TariffRow,
} from './schedules.repository';

export const WINDOW_EDGE_JOB = 'window-edge';

const schedulerPrefix = (siteId: string) => `site:${siteId}:`;

/**
 * Peak-shaving rules and tariffs of a site, and one BullMQ job scheduler per window edge in the site's time
 * zone. Redis holds the schedulers, so an edge produces one job whatever the number of instances; upserting
 * is idempotent, so every instance may reconcile at boot and after any change.
 */
@Injectable()
export class SchedulesService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SchedulesService.name);

  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly sites: SitesRepository,
    private readonly events: EventEmitter2,
    private readonly locks: DistributedLockService,
    @InjectQueue(SCHEDULE_EDGES_QUEUE) private readonly queue: Queue<WindowEdgeJob>,
  ) {}

  /** At boot, and when Redis is back: it may have come back without the schedulers. */
  @OnEvent(REDIS_RECONNECTED)
  async onApplicationBootstrap(): Promise<void> {
    for (const site of await this.sites.list()) await this.reconcile(site.id);
  }

  /** A time-zone change moves every edge; any other change costs an idempotent upsert. */
  @OnEvent(SITE_CONFIGURATION_CHANGED)
  async onSiteConfigurationChanged(event: SiteConfigurationChangedEvent): Promise<void> {
    await this.reconcile(event.siteId).catch((error: unknown) =>
      this.logger.error(
        `Scheduling the window edges of site ${event.siteId} failed: ${describeFailure(error)}`,
      ),
    );
  }

  listRules(siteId: string): Promise<PeakShavingRuleRow[]> {
    return this.schedules.rulesOfSites([siteId]);
  }

  listTariffs(siteId: string): Promise<TariffRow[]> {
    return this.schedules.tariffsOfSites([siteId]);
  }

  async addRule(siteId: string, dto: PeakShavingRuleDto, actor: string): Promise<PeakShavingRuleRow> {
    const site = await this.sites.getById(siteId);
    const columns = ruleColumns(dto);
    const row = await this.schedules.addRule(siteId, columns, {
      actor,
      action: 'peak-shaving-rule.added',
      details: { ...dto },
    });
    this.announceChange(site);
    return row;
  }

  async addTariff(siteId: string, dto: TariffDto, actor: string): Promise<TariffRow> {
    const site = await this.sites.getById(siteId);
    const columns = tariffColumns(dto);
    const row = await this.schedules.addTariff(siteId, columns, {
      actor,
      action: 'tariff.added',
      details: { ...dto },
    });
    this.announceChange(site);
    return row;
  }

  async removeRule(siteId: string, ruleId: string, actor: string): Promise<void> {
    const site = await this.sites.getById(siteId);
    await this.found(() =>
      this.schedules.removeRule(siteId, ruleId, {
        actor,
        action: 'peak-shaving-rule.removed',
        details: { ruleId },
      }),
    );
    this.announceChange(site);
  }

  async removeTariff(siteId: string, tariffId: string, actor: string): Promise<void> {
    const site = await this.sites.getById(siteId);
    await this.found(() =>
      this.schedules.removeTariff(siteId, tariffId, {
        actor,
        action: 'tariff.removed',
        details: { tariffId },
      }),
    );
    this.announceChange(site);
  }

  /**
   * Makes the site's job schedulers match its windows: one per edge, in the site's zone; others removed. Runs
   * under a per-site lock because two changes in quick succession (a rule added, then the zone moved) would
   * otherwise interleave and let the older reading of the site win.
   */
  reconcile(siteId: string): Promise<void> {
    return this.locks.withLock(`schedules:site:${siteId}`, () => this.reconcileNow(siteId));
  }

  private async reconcileNow(siteId: string): Promise<void> {
    const site = await this.sites.findById(siteId);
    const wanted = site ? await this.wantedSchedulers(site) : new Map<string, string>();
    const existing = (await this.queue.getJobSchedulers()).filter((s) =>
      s.key.startsWith(schedulerPrefix(siteId)),
    );
    for (const scheduler of existing) {
      if (!wanted.has(scheduler.key) || scheduler.tz !== site?.timeZone)
        await this.queue.removeJobScheduler(scheduler.key);
    }
    for (const [id, pattern] of wanted) {
      await this.queue.upsertJobScheduler(
        id,
        { pattern, tz: site?.timeZone },
        { name: WINDOW_EDGE_JOB, data: { siteId }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
    }
  }

  private async wantedSchedulers(site: SiteRow): Promise<Map<string, string>> {
    const [rules, tariffs] = await Promise.all([
      this.schedules.rulesOfSites([site.id]),
      this.schedules.tariffsOfSites([site.id]),
    ]);
    const windows = [
      ...rules.map((r) => ['rule', r] as const),
      ...tariffs.map((t) => ['tariff', t] as const),
    ];
    return new Map(
      windows.flatMap(([kind, window]) => {
        const { start, end } = edgePatterns(window);
        const id = `${schedulerPrefix(site.id)}${kind}:${window.id}`;
        return [
          [`${id}:start`, start],
          [`${id}:end`, end],
        ];
      }),
    );
  }

  private async found(remove: () => Promise<boolean>): Promise<void> {
    try {
      await remove();
    } catch (error) {
      if (error instanceof ScheduleEntryNotFoundError || error instanceof SiteNotFoundError) {
        throw new NotFoundException(error.message);
      }
      throw error;
    }
  }

  private announceChange(site: SiteRow): void {
    const groups = site.groupId ? [site.groupId] : [];
    this.events.emit(SITE_CONFIGURATION_CHANGED, new SiteConfigurationChangedEvent(site.id, groups));
  }
}
