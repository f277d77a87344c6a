import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { Actor } from './actor.decorator';
import { BookingsService, BookingView } from './bookings.service';
import { CreateBookingDto } from './dto/booking.dto';
import { BookingViewDto } from './dto/views.dto';

/** Bookings of a site's connectors before the EV arrives: the session starting within the window takes them. */
@ApiTags('sessions')
@ApiErrors(400, 401, 404)
@Controller('api/v1/sites/:id/bookings')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class BookingsController {
  constructor(private readonly service: BookingsService) {}

  @Post()
  @ApiCreatedResponse({ type: BookingViewDto })
  @ApiErrors(409)
  create(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateBookingDto,
    @Actor() actor: string,
  ): Promise<BookingView> {
    return this.service.create(id, dto, actor);
  }

  /** The bookings whose arrival window is not over yet, pending or claimed by a session. */
  @Get()
  @ApiOkResponse({ type: [BookingViewDto] })
  list(@Param('id', ParseUUIDPipe) id: string): Promise<BookingView[]> {
    return this.service.list(id);
  }

  @Delete(':bookingId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed; a session that took it keeps its preferences' })
  remove(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('bookingId', ParseUUIDPipe) bookingId: string,
    @Actor() actor: string,
  ): Promise<void> {
    return this.service.remove(id, bookingId, actor);
  }
}
