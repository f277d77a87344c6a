import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const MAX_EVENTS_PER_PAGE = 500;

/** Query of `GET /api/v1/chargers/{identity}/events`: newest first, a page at a time. */
export class ListChargerEventsDto {
  /** The OCPP action that reported the event, e.g. `SecurityEventNotification`. */
  @ApiPropertyOptional({ example: 'SecurityEventNotification' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{1,64}$/, { message: 'kind must be an OCPP action name (letters and digits)' })
  kind?: string;

  /** The `next` of the previous page: only events older than it. */
  @ApiPropertyOptional({ type: 'integer', description: 'The `next` of the previous page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'before must be an integer' })
  @Min(1, { message: 'before must be 1 or more' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'before must be at most 9007199254740991' })
  before?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_EVENTS_PER_PAGE, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be 1 or more' })
  @Max(MAX_EVENTS_PER_PAGE, { message: `limit must be at most ${MAX_EVENTS_PER_PAGE}` })
  limit?: number;
}
