import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayUnique, IsArray, IsString, Length, ValidateIf } from 'class-validator';

export const MAX_GROUPS_PER_PEER = 1000;

/**
 * `groupIds`, optional: the OSCP `group_id`s a peer may govern, as sites name them (1 to 100 characters).
 * `null` is refused rather than taken as absent. Each may be bound to one peer only, which the service checks.
 */
export function IsGroupIds(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_dto, value) => value !== undefined),
    IsArray({ message: 'groupIds must be an array of group ids' }),
    ArrayMaxSize(MAX_GROUPS_PER_PEER, {
      message: `groupIds must contain at most ${MAX_GROUPS_PER_PEER} group ids`,
    }),
    ArrayUnique({ message: 'groupIds must not name a group twice' }),
    IsString({ each: true, message: 'each of groupIds must be a string' }),
    Length(1, 100, { each: true, message: 'each of groupIds must be 1 to 100 characters long' }),
  );
}
