import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Job, Queue } from 'bullmq';
import {
  ChargerCallsService,
  ChargerOfflineError,
  ChargerStateChangedEvent,
  OCPP_CHARGER_STATE_CHANGED,
  OcppCallError,
} from '@gridflex/ocpp';
import {
  AffectedSites,
  AuthorizationRepository,
  ChargerAuthorizationContext,
} from './authorization.repository';
import { tokenKey } from './decide';
import {
  ChargerProtocolVersion,
  diffLocalList,
  LocalAuthListEntry,
  localListEntries,
  reportedListVersion,
  sendLocalListRequest,
  UpdateType,
} from './local-auth-list';

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
 * it, or answering with a CALLERROR or 1.6's -1) is left alone.
 */
@Processor(LOCAL_AUTH_LISTS_QUEUE)
export class LocalAuthListProcessor extends WorkerHost {
  private readonly logger = new Logger(LocalAuthListProcessor.name);

  constructor(
    @InjectQueue(LOCAL_AUTH_LISTS_QUEUE) private readonly queue: Queue<SyncLocalListJob>,
    private readonly repository: AuthorizationRepository,
    private readonly calls: ChargerCallsService,
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

  private async sync(
    charger: ChargerAuthorizationContext,
    sent: { listVersion: number; entries: LocalAuthListEntry[] } | null,
  ): Promise<string> {
    const version = protocolVersion(charger.ocppVersion);
    const reported = reportedListVersion(
      version,
      await this.calls.call<unknown>(charger.identity, 'GetLocalListVersion', {}),
    );
    // 1.6 chargers without the list answer -1.
    if (reported < 0) return 'unsupported';
    const entries = await this.entries(charger, version);
    const holdsOurs = sent !== null && reported === sent.listVersion;
    if (holdsOurs && sent.listVersion === charger.listVersion) return 'up-to-date';
    let updateType: UpdateType = holdsOurs ? 'Differential' : 'Full';
    let status = await this.send(charger, version, updateType, holdsOurs ? sent.entries : [], entries);
    // A charger that could not apply the differences (VersionMismatch, Failed) gets the whole list.
    if (updateType === 'Differential' && status !== 'Accepted' && status !== 'NotSupported') {
      updateType = 'Full';
      status = await this.send(charger, version, updateType, [], entries);
    }
    if (status !== 'Accepted') {
      this.logger.warn(`${charger.identity} answered its local auth list ${status}`);
      return `refused-${status}`;
    }
    await this.repository.recordSentLocalList(charger.chargerId, {
      listVersion: charger.listVersion,
      entries,
    });
    return `${updateType}-accepted`;
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

  private async send(
    charger: ChargerAuthorizationContext,
    version: ChargerProtocolVersion,
    updateType: UpdateType,
    before: LocalAuthListEntry[],
    after: LocalAuthListEntry[],
  ): Promise<string> {
    const update = diffLocalList(before, after);
    const request = sendLocalListRequest(version, charger.listVersion, updateType, update);
    const answer = await this.calls.call<{ status: string }>(charger.identity, 'SendLocalList', request);
    return answer.status;
  }
}

function protocolVersion(ocppVersion: string): ChargerProtocolVersion {
  return ocppVersion === '2.0.1' ? '2.0.1' : '1.6';
}
