import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidationArguments,
} from 'class-validator';
import { IsCalendarDate } from '@gridflex/common';

/** Refuses the property when `other` is given too: the two are alternatives. */
export function NotWith(other: string) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'notWith',
      target: object.constructor,
      propertyName,
      constraints: [other],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          value === undefined || value === null || (args?.object as Record<string, unknown>)[other] == null,
        defaultMessage: (args?: ValidationArguments) => `give either ${other} or ${args?.property}, not both`,
      },
    });
}

function DiffersFrom(other: string) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'differsFrom',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          (args?.object as Record<string, unknown>)[other] !== value,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must differ from ${other}`,
      },
    });
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const END_TIME = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/**
 * A window in the site's own time zone: on `weekdays` (ISO, 1 = Monday ... 7 = Sunday), on one `date`, or
 * every day when neither is given; from `startTime` to `endTime` (HH:MM). An end not after the start runs
 * past midnight; `24:00` is the end of the day.
 */
export class ScheduleWindowDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @ArrayUnique({ message: 'weekdays must not repeat a day' })
  @IsInt({ each: true, message: 'weekdays must be ISO weekdays, 1 (Monday) to 7 (Sunday)' })
  @Min(1, { each: true, message: 'weekdays must be ISO weekdays, 1 (Monday) to 7 (Sunday)' })
  @Max(7, { each: true, message: 'weekdays must be ISO weekdays, 1 (Monday) to 7 (Sunday)' })
  weekdays?: number[];

  @IsOptional()
  @IsCalendarDate({ message: 'date must be a date that exists, as YYYY-MM-DD' })
  @NotWith('weekdays')
  date?: string;

  @Matches(TIME, { message: 'startTime must be a local time HH:MM from 00:00 to 23:59' })
  startTime!: string;

  @Matches(END_TIME, { message: 'endTime must be a local time HH:MM from 00:00 to 24:00' })
  @DiffersFrom('startTime')
  endTime!: string;
}
