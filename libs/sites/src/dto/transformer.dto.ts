import { IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/**
 * A wye secondary feeding the site (or circuit) at its phase-to-neutral voltage whose line currents are
 * limited in magnitude: line a carries I_a = I_ab − I_ca plus its loads to neutral, so line-to-line
 * chargers on two pairs share a line at 60° and may together draw more than a per-phase sum allows.
 * Optionally its delta primary: I_A = (I_a − I_c) / n, n = primaryVoltageV / the secondary's phase-to-neutral voltage.
 */
export class TransformerDto {
  /** The most amperes any secondary line may carry (the transformer's rating at its secondary). */
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'secondaryLineLimitA must be a number of amperes' },
  )
  @Min(0)
  @Max(100000)
  secondaryLineLimitA!: number;

  /** The most amperes any line of the delta primary may carry; needs `primaryVoltageV`. */
  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'primaryLineLimitA must be a number of amperes' },
  )
  @Min(0)
  @Max(100000)
  primaryLineLimitA?: number;

  /** The delta primary's line-to-line voltage, e.g. 480 for a 480 V Δ – 208Y/120 V transformer. */
  @ValidateIf((dto: TransformerDto, value) => value !== undefined || dto.primaryLineLimitA !== undefined)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'primaryVoltageV must be a number of volts, and is needed with primaryLineLimitA' },
  )
  @Min(100)
  @Max(1000000)
  primaryVoltageV?: number;
}
