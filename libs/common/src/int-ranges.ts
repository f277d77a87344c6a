import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** PostgreSQL `integer` (int4): a larger number fails the query instead of being stored. */
export const INT4_MIN = -2_147_483_648;
export const INT4_MAX = 2_147_483_647;

const INTEGER = /^-?\d+$/;

/** A route parameter as an integer within `min`..`max` (a column's range), else a 400 naming the parameter. */
@Injectable()
export class ParseIntInRangePipe implements PipeTransform<string, number> {
  constructor(
    private readonly min = INT4_MIN,
    private readonly max = INT4_MAX,
  ) {}

  transform(value: string, metadata: ArgumentMetadata): number {
    const parsed = INTEGER.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < this.min || parsed > this.max) {
      throw new BadRequestException(
        `${metadata.data ?? 'parameter'} must be an integer from ${this.min} to ${this.max}`,
      );
    }
    return parsed;
  }
}
