import {
  ValidateBy,
  ValidationArguments,
  ValidationOptions,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { parseRfc3339DateTime } from '../rfc3339';

export function IsRfc3339DateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339DateTime',
      validator: {
        validate: (value) => parseRfc3339DateTime(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be an RFC 3339 date-time with an explicit offset (Z or ±hh:mm), ` +
          `e.g. 2025-01-01T00:00:00Z`,
      },
    },
    options,
  );
}

/** One decorator rather than IsNumber + Min, so that a string is not also called negative. */
export function IsNonNegativeNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNonNegativeNumber',
      validator: {
        validate: (value) => isFiniteNumber(value) && value >= 0,
        defaultMessage: (args) =>
          isFiniteNumber(args?.value)
            ? `${args?.property} must not be negative (the forecast type gives the direction)`
            : `${args?.property} must be a number`,
      },
    },
    options,
  );
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

interface InvertedBlock {
  index: number;
  start: string;
  end: string;
}

/**
 * On the blocks array rather than on `end_time`, because only the array knows each block's index,
 * which the peer needs to find the faulty block. Blocks whose times do not parse are left to
 * `IsRfc3339DateTime`.
 */
@ValidatorConstraint({ name: 'blocksStartBeforeEnd' })
export class BlocksStartBeforeEndConstraint implements ValidatorConstraintInterface {
  validate(blocks: unknown): boolean {
    return findInvertedBlocks(blocks).length === 0;
  }

  defaultMessage(args: ValidationArguments): string {
    return findInvertedBlocks(args.value)
      .map(
        ({ index, start, end }) =>
          `${args.property}[${index}]: start_time (${start}) must be before end_time (${end})`,
      )
      .join('; ');
  }
}

function findInvertedBlocks(blocks: unknown): InvertedBlock[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((block: unknown, index) => {
    if (typeof block !== 'object' || block === null) return [];
    const { start_time: start, end_time: end } = block as Record<string, unknown>;
    const startMs = parseRfc3339DateTime(start);
    const endMs = parseRfc3339DateTime(end);
    if (startMs === undefined || endMs === undefined || startMs < endMs) return [];
    return [{ index, start: start as string, end: end as string }];
  });
}
