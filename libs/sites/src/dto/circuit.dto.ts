import { Type } from 'class-transformer';
import { IsDefined, IsString, IsUUID, Length, ValidateIf, ValidateNested } from 'class-validator';
import { PhaseLimitsDto } from './create-site.dto';
import { TransformerDto } from './transformer.dto';

/** A feeder, breaker or sub-panel: created with POST, replaced whole with PUT. */
export class CircuitDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  /** The circuit it hangs under, or null (or absent) for directly under the site's grid connection. */
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsUUID('all', { message: 'parentId must be the id (UUID) of a circuit of the site, or null' })
  parentId?: string | null;

  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  limitA!: PhaseLimitsDto;

  /** A transformer at the head of the circuit whose line currents limit it, or null (or absent) for none. */
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @ValidateNested()
  @Type(() => TransformerDto)
  transformer?: TransformerDto | null;
}
