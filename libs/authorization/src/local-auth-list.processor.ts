import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Job, Queue } from 'bullmq';
import {
  ChargerCallsService,
  ChargerEventsRepository,
  ChargerOfflineError,
  ChargerStateChangedEvent,
  OCPP_CHARGER_STATE_CHANGED,
  OcppCallError,
} from '@gridflex/ocpp';
import {
  AffectedSites,
  AuthorizationRepository,
  ChargerAuthorizationContext,
  SentLocalList,
} from './authorization.repository';
import { tokenKey } from './decide';
import {
  ChargerProtocolVersion,
  diffLocalList,
  fitLocalList,
  LocalAuthListEntry,
  localListEntries,
  LocalListLimits,
  localListLimits,
  reportedListVersion,
  sendLocalListRequests,
  UpdateType,
} from './local-auth-list';

/** The kind of charger event that tells an operator a charger holds only part of its site's list. */
export const LOCAL_AUTH_LIST_TRUNCATED = 'LocalAuthListTruncated';

export const LOCAL_AUTH_LISTS_QUEUE = 'local-auth-lists';

interface SyncLocalListJob {
  chargerId: string;
}

/** A timed-out or relayed call is tried again; a charger that is offline gets its list when it connects. */
const SYNC_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: 100,
} as const;

/**
 * Keeps each charger's local auth list equal to its site's (every token valid there under a `list` policy),
 * one queued job per charger and change: on connect, and when a token or the policy changes. Under
 * `acceptAll` a charger is sent nothing, except an empty list to replace one it holds from us. The charger's
 * `GetLocalListVersion` says whether it holds the list we last sent it; if so it gets the differences
 * (`Differential`), otherwise the whole list (`Full`). A charger without a local list (as discovery reported
 * it, or answering with a CALLERROR or 1.6's -1) is left alone. A list is sent in as many requests as the
 * charger's per-message maximum needs, and cut to the most entries it holds (see `fitLocalList`), which is
 * logged and kept as a charger event. A charger in proxy mode (with an effective upstream, as configured now) is
 * sent nothing: the upstream owns its list; the site policy only answers it locally while the upstream is away.
 */
@Processor(LOCAL_AUTH_LISTS_QUEUE)
export class LocalAuthListProcessor extends WorkerHost {
  private readonly logger = new Logger(LocalAuthListProcessor.name);

  constructor(
    @InjectQueue(LOCAL_AUTH_LISTS_QUEUE) private readonly queue: Queue<SyncLocalListJob>,
    private readonly repository: AuthorizationRepository,
    private readonly calls: ChargerCallsService,
    private readonly chargerEvents: ChargerEventsRepository,
  ) {
    super();
  }

  /** Queues a sync of every charger of the sites. */
  async syncSites(sites: AffectedSites): Promise<void> {
    const chargerIds = await this.repository.chargersOf(sites);
    await this.queue.addBulk(
      chargerIds.map((chargerId) => ({ name: 'sync', data: { chargerId }, opts: SYNC_JOB_OPTIONS })),
    );
  }

  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerConnected(event: ChargerStateChangedEvent): Promise<void> {
    if (event.reason !== 'connected') return;
    try {
      await this.queue.add('sync', { chargerId: event.chargerId }, SYNC_JOB_OPTIONS);
    } catch (error) {
      this.logger.warn(`Queueing the local auth list of ${event.identity} failed: ${String(error)}`);
    }
  }

  async process(job: Job<SyncLocalListJob>): Promise<string> {
    const charger = await this.repository.chargerContext(job.data.chargerId);
    if (!charger) return 'no-charger';
    // Its upstream central system manages its list (its SendLocalList reaches it): ours would overwrite it.
    if (charger.proxied) return 'proxied';
    // Discovery said it has none; a charger not asked yet is asked for its version, which tells too.
    if (charger.capabilities?.localAuthList === false) return 'unsupported';
    const sent = await this.repository.sentLocalList(charger.chargerId);
    // Under acceptAll there is nothing to send, unless to empty a list we sent under a list policy.
    if (charger.policy === 'acceptAll' && (sent === null || sent.entries.length === 0)) return 'no-list';
    try {
      return await this.sync(charger, sent);
    } catch (error) {
      if (error instanceof ChargerOfflineError) return 'offline';
      if (error instanceof OcppCallError) {
        this.logger.log(`${charger.identity} refused its local auth list (${error.code}): left alone`);
        return 'unsupported';
      }
      throw error;
    }
  }

  private async sync(charger: ChargerAuthorizationContext, sent: SentLocalList | null): Promise<string> {
    const version = protocolVersion(charger.ocppVersion);
    const reported = reportedListVersion(
      version,
      await this.calls.call<unknown>(charger.identity, 'GetLocalListVersion', {}),
    );
    // 1.6 chargers without the list answer -1.
    if (reported < 0) return 'unsupported';
    const holdsOurs = sent !== null && reported === sent.listVersion;
    if (holdsOurs && sent.siteListVersion === charger.listVersion) return 'up-to-date';
    const limits = localListLimits(charger.capabilities);
    const { entries, omitted } = fitLocalList(await this.entries(charger, version), limits.maxEntries);
    const target = { version, limits, entries, heldVersion: reported };
    let updateType: UpdateType = holdsOurs ? 'Differential' : 'Full';
    let outcome = await this.send(charger, target, updateType, holdsOurs ? sent.entries : []);
    // A charger that could not apply the differences (VersionMismatch, Failed) gets the whole list.
    if (updateType === 'Differential' && outcome.status !== 'Accepted' && outcome.status !== 'NotSupported') {
      updateType = 'Full';
      outcome = await this.send(charger, target, updateType, []);
    }
    if (outcome.status !== 'Accepted') {
      // Sent before discovery told its limits: the job's retry sends it within them.
      if (charger.capabilities === null) {
        throw new Error(
          `${charger.identity} answered its local auth list ${outcome.status} before discovery`,
        );
      }
      this.logger.warn(`${charger.identity} answered its local auth list ${outcome.status}`);
      return `refused-${outcome.status}`;
    }
    await this.repository.recordSentLocalList(charger.chargerId, {
      listVersion: outcome.listVersion,
      siteListVersion: charger.listVersion,
      entries,
      omittedEntries: omitted,
    });
    if (omitted > 0) await this.recordTruncation(charger, entries.length, omitted, limits);
    return `${updateType}-accepted`;
  }

  /** Counts only: the tokens themselves are the drivers' credentials. */
  private async recordTruncation(
    charger: ChargerAuthorizationContext,
    sent: number,
    omitted: number,
    limits: LocalListLimits,
  ): Promise<void> {
    this.logger.warn(
      `${charger.identity} holds at most ${limits.maxEntries} local auth list entries: ${omitted} of the ` +
        `site's ${sent + omitted} were left out`,
    );
    const now = new Date();
    await this.chargerEvents.record({
      chargerId: charger.chargerId,
      kind: LOCAL_AUTH_LIST_TRUNCATED,
      at: now,
      receivedAt: now,
      payload: { siteListVersion: charger.listVersion, maxEntries: limits.maxEntries, sent, omitted },
    });
  }

  private async entries(
    charger: ChargerAuthorizationContext,
    version: ChargerProtocolVersion,
  ): Promise<LocalAuthListEntry[]> {
    if (charger.policy !== 'list') return [];
    const listed = await this.repository.tokensOfSite(charger.siteId);
    const parentValues = listed.flatMap((token) =>
      token.parentIdToken === null ? [] : [token.parentIdToken],
    );
    const parents = await this.repository.findTokens([...new Set(parentValues.map(tokenKey))]);
    return localListEntries(listed, parents, charger.siteId, version, new Date());
  }

  /**
   * Sends the requests that turn `before` into the target list; the first answer other than Accepted stops.
   * Resolves with that answer, and the list version the charger holds after them all.
   */
  private async send(
    charger: ChargerAuthorizationContext,
    target: {
      version: ChargerProtocolVersion;
      limits: LocalListLimits;
      entries: LocalAuthListEntry[];
      heldVersion: number;
    },
    updateType: UpdateType,
    before: LocalAuthListEntry[],
  ): Promise<{ status: string; listVersion: number }> {
    const { requests, listVersion } = sendLocalListRequests(
      target.version,
      { siteVersion: charger.listVersion, heldVersion: target.heldVersion },
      updateType,
      diffLocalList(before, target.entries),
      target.limits.itemsPerMessage,
    );
    for (const request of requests) {
      const answer = await this.calls.call<{ status: string }>(charger.identity, 'SendLocalList', request);
      if (answer.status !== 'Accepted') return { status: answer.status, listVersion };
    }
    return { status: 'Accepted', listVersion };
  }
}

function protocolVersion(ocppVersion: string): ChargerProtocolVersion {
  return ocppVersion === '2.0.1' ? '2.0.1' : '1.6';
}
