import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ClockLimits, clockLimits, eventTime } from '../charger-clock';
import { ChargerStateRepository } from '../charger-state.repository';
import type { EmptyResponse, InboundContext, InboundHandler } from '../handler-table';
import { boundedPayload } from './bounded-payload';
import { ChargerEvent, ChargerEventsPage, ChargerEventsRepository } from './charger-events.repository';

/**
 * What chargers report for an operator's eyes rather than for planning, kept per charger (`charger_events`):
 * the kind is the OCPP action, the payload what the charger sent, bounded in size.
 */
@Injectable()
export class ChargerEventsService {
  private readonly clock: ClockLimits;

  constructor(
    private readonly repository: ChargerEventsRepository,
    private readonly chargerState: ChargerStateRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.clock = clockLimits(config);
  }

  /** A handler that stores the message as an event of kind `action` and answers with an empty payload. */
  acknowledge(action: string): InboundHandler {
    return async (request: Record<string, unknown>, context: InboundContext): Promise<EmptyResponse> => {
      await this.record(action, request, context);
      return {};
    };
  }

  /**
   * Stores the message as an event, at the time the charger stamped it (`timestamp`, or a report's
   * `generatedAt`) when that is believable, else when we received it.
   */
  async record(kind: string, request: Record<string, unknown>, context: InboundContext): Promise<void> {
    const stamp = request.timestamp ?? request.generatedAt;
    const at =
      typeof stamp === 'string'
        ? eventTime(new Date(stamp), context.receivedAt, this.clock)
        : context.receivedAt;
    await this.repository.record({
      chargerId: context.session.chargerId,
      kind,
      at,
      receivedAt: context.receivedAt,
      payload: boundedPayload(request),
    });
  }

  /** @throws NotFoundException for an unknown identity */
  async list(identity: string, page: ChargerEventsPage): Promise<ChargerEvent[]> {
    const charger = await this.chargerState.findByIdentity(identity);
    if (!charger) throw new NotFoundException(`Unknown charger ${identity}`);
    return this.repository.list(charger.id, page);
  }
}
