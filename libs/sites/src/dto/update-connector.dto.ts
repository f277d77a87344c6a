import { IsIn, IsInt, IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import type { schema } from '@gridflex/persistence';
import { LINE_PAIRS } from './create-charger.dto';

/** What the CPO may change on a connector; every property is optional. */
export class UpdateConnectorDto {
  /** Phases loaded to neutral; 2 for a connector wired line to line. */
  @IsOptional()
  @IsIn([1, 2, 3], { message: 'phases must be 1, 2 or 3' })
  phases?: 1 | 2 | 3;

  /** The two grid lines it is wired between (then phases must be 2), or null for phase to neutral. */
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsIn(LINE_PAIRS, { message: `lineToLine must be one of: ${LINE_PAIRS.join(', ')}, or null` })
  lineToLine?: schema.LinePair | null;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'maxCurrentA must be a number of amperes' })
  @Min(6)
  @Max(80)
  maxCurrentA?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minCurrentA must be a number of amperes' })
  @Min(0)
  @Max(80)
  minCurrentA?: number;

  @IsOptional()
  @IsInt({ message: 'priority must be an integer' })
  @Min(-100)
  @Max(100)
  priority?: number;
}
