import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { describeFailure } from '@gridflex/common';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '@gridflex/ocpp';
import { Database } from '@gridflex/persistence';
import {
  BookingNotFoundError,
  BookingRow,
  BookingsRepository,
  BookingWithConnector,
  OpenTransaction,
} from './bookings.repository';
import { ChargersRepository } from './chargers.repository';
import { CreateBookingDto } from './dto/booking.dto';
import { SITE_CONFIGURATION_CHANGED, SiteConfigurationChangedEvent } from './events';
import { SessionPreferencesRepository } from './session-preferences.repository';
import { SiteRow, SitesRepository } from './sites.repository';

const HOUR_MS = 3_600_000;
/** A booking says when the EV is expected; a window longer than a day is no longer an expectation. */
const MAX_ARRIVAL_WINDOW_MS = 24 * HOUR_MS;
const MAX_AHEAD_MS = 366 * 24 * HOUR_MS;

export interface BookingView {
  id: string;
  chargerId: string;
  chargerIdentity: string;
  connectorId: number;
  arrivalFrom: string;
  arrivalUntil: string;
  departureAt: string | null;
  energyWantedWh: number | null;
  priority: number | null;
  createdBy: string;
  createdAt: string;
  /** `pending` until a session starts on the connector within the window, then `claimed` by it. */
  status: 'pending' | 'claimed';
  transactionId: number | null;
}

function toView(booking: BookingWithConnector): BookingView {
  return {
    id: booking.id,
    chargerId: booking.chargerId,
    chargerIdentity: booking.identity,
    connectorId: booking.connectorId,
    arrivalFrom: booking.arrivalFrom.toISOString(),
    arrivalUntil: booking.arrivalUntil.toISOString(),
    departureAt: booking.departureAt?.toISOString() ?? null,
    energyWantedWh: booking.energyWantedWh,
    priority: booking.priority,
    createdBy: booking.createdBy,
    createdAt: booking.createdAt.toISOString(),
    status: booking.transactionId === null ? 'pending' : 'claimed',
    transactionId: booking.transactionId,
  };
}

function refused(field: string, message: string): BadRequestException {
  return new BadRequestException({
    message: `${field}: ${message}`,
    errors: [{ field, messages: [message] }],
  });
}

/** The window and wishes must make sense now; the first problem found is refused. */
function checkBooking(dto: CreateBookingDto, now: Date): void {
  const from = Date.parse(dto.arrivalFrom);
  const until = Date.parse(dto.arrivalUntil);
  if (dto.priority === undefined && dto.energyWantedWh === undefined && dto.departureAt === undefined) {
    throw refused('body', 'Give at least one of priority, energyWantedWh, departureAt');
  }
  if (until <= from) throw refused('arrivalUntil', 'arrivalUntil must be after arrivalFrom');
  if (until - from > MAX_ARRIVAL_WINDOW_MS) {
    throw refused('arrivalUntil', 'the arrival window may span at most 24 hours');
  }
  if (until <= now.getTime()) throw refused('arrivalUntil', 'arrivalUntil is already past');
  if (from - now.getTime() > MAX_AHEAD_MS)
    throw refused('arrivalFrom', 'arrivalFrom may be at most a year ahead');
  if (dto.departureAt !== undefined && Date.parse(dto.departureAt) <= from) {
    throw refused('departureAt', 'departureAt must be after arrivalFrom');
  }
}

/**
 * Bookings made before the EV arrives (priority, energy wanted, departure for a connector and an arrival
 * window). The first session that starts on the connector within the window takes them as its session
 * preferences, so the planner and `.../connectors/:connectorId/session` see them; bookings whose window
 * is over are dropped.
 */
@Injectable()
export class BookingsService {
  private readonly logger = new Logger(BookingsService.name);

  constructor(
    private readonly sites: SitesRepository,
    private readonly chargers: ChargersRepository,
    private readonly bookings: BookingsRepository,
    private readonly preferences: SessionPreferencesRepository,
    private readonly events: EventEmitter2,
  ) {}

  async create(siteId: string, dto: CreateBookingDto, actor: string): Promise<BookingView> {
    const now = new Date();
    const site = await this.sites.getById(siteId);
    checkBooking(dto, now);
    const { charger, connectorRef } = await this.requireConnector(siteId, dto.chargerId, dto.connectorId);
    await this.bookings.dropExpired(now);
    const from = new Date(dto.arrivalFrom);
    const until = new Date(dto.arrivalUntil);
    const overlapping = await this.bookings.findOverlapping(connectorRef, from, until);
    if (overlapping) {
      throw new ConflictException(
        `Connector ${dto.connectorId} of charger "${charger.identity}" is already booked from ` +
          `${overlapping.arrivalFrom.toISOString()} to ${overlapping.arrivalUntil.toISOString()}`,
      );
    }
    const row = await this.bookings.add(
      {
        siteId,
        connectorRef,
        arrivalFrom: from,
        arrivalUntil: until,
        departureAt: dto.departureAt === undefined ? null : new Date(dto.departureAt),
        energyWantedWh: dto.energyWantedWh ?? null,
        priority: dto.priority ?? null,
        createdBy: actor,
      },
      { actor, action: 'booking.added', details: { ...dto } },
    );
    // An EV that is already plugged in since inside the window takes the booking at once.
    await this.claimForCharger(site, charger.id);
    return this.view(siteId, row.id);
  }

  async list(siteId: string): Promise<BookingView[]> {
    await this.sites.getById(siteId);
    await this.bookings.dropExpired(new Date());
    return (await this.bookings.listBySite(siteId)).map(toView);
  }

  async remove(siteId: string, bookingId: string, actor: string): Promise<void> {
    await this.sites.getById(siteId);
    try {
      await this.bookings.remove(siteId, bookingId, {
        actor,
        action: 'booking.removed',
        details: { bookingId },
      });
    } catch (error) {
      if (error instanceof BookingNotFoundError) throw new NotFoundException(error.message);
      throw error;
    }
  }

  @OnEvent(OCPP_CHARGER_STATE_CHANGED)
  async onChargerStateChanged(event: ChargerStateChangedEvent): Promise<void> {
    if (event.reason !== 'transaction-started') return;
    try {
      const site = await this.sites.findById(event.siteId);
      if (site) await this.claimForCharger(site, event.chargerId);
    } catch (error) {
      this.logger.error(`Bookings of charger "${event.identity}" not applied: ${describeFailure(error)}`);
    }
  }

  /** Every session running on the charger takes the booking of its connector that its start falls in. */
  private async claimForCharger(site: SiteRow, chargerId: string): Promise<void> {
    let claimedAny = false;
    for (const session of await this.bookings.openTransactionsOfCharger(chargerId)) {
      const booking = await this.bookings.claim(session, (tx, claimed) =>
        this.applyToSession(tx, claimed, session),
      );
      if (booking) claimedAny = true;
    }
    if (!claimedAny) return;
    const groups = site.groupId ? [site.groupId] : [];
    this.events.emit(SITE_CONFIGURATION_CHANGED, new SiteConfigurationChangedEvent(site.id, groups));
  }

  /** What the booking says becomes the session's preferences; what it leaves out is kept. */
  private async applyToSession(tx: Database, booking: BookingRow, session: OpenTransaction): Promise<void> {
    await this.preferences.upsert(
      session.transactionId,
      {
        ...(booking.priority !== null && { priority: booking.priority }),
        ...(booking.energyWantedWh !== null && { energyWantedWh: booking.energyWantedWh }),
        ...(booking.departureAt !== null && { departureAt: booking.departureAt }),
        updatedBy: `booking ${booking.id} by ${booking.createdBy}`,
        source: 'booking',
      },
      tx,
    );
  }

  private async view(siteId: string, bookingId: string): Promise<BookingView> {
    const booking = (await this.bookings.listBySite(siteId)).find((b) => b.id === bookingId);
    if (!booking) throw new NotFoundException(`Booking ${bookingId} not found on site ${siteId}`);
    return toView(booking);
  }

  private async requireConnector(siteId: string, chargerId: string, connectorId: number) {
    const charger = (await this.chargers.listBySite(siteId)).find((c) => c.id === chargerId);
    if (!charger) throw new NotFoundException(`Charger ${chargerId} not found on site ${siteId}`);
    const connector = charger.connectors.find((c) => c.connectorId === connectorId);
    if (!connector) {
      throw new NotFoundException(`Charger "${charger.identity}" has no connector ${connectorId}`);
    }
    return { charger, connectorRef: connector.id };
  }
}
