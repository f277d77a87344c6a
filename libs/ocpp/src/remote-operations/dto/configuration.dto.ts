import { IsOptional, IsString, Length } from 'class-validator';

/**
 * 1.6: `key` and `value` (ChangeConfiguration); 2.0.1: `component`, `variable` and `value` (SetVariables).
 * Which fields the charger's version needs is checked once the charger is known. Lengths are the tightest
 * the two versions' schemas allow.
 */
export class ConfigurationDto {
  @IsOptional()
  @IsString({ message: 'key must be a string' })
  @Length(1, 50, { message: 'key must be 1 to 50 characters' })
  key?: string;

  @IsOptional()
  @IsString({ message: 'component must be a string' })
  @Length(1, 50, { message: 'component must be 1 to 50 characters' })
  component?: string;

  @IsOptional()
  @IsString({ message: 'variable must be a string' })
  @Length(1, 50, { message: 'variable must be 1 to 50 characters' })
  variable?: string;

  @IsString({ message: 'value must be a string' })
  @Length(0, 500, { message: 'value must be at most 500 characters' })
  value!: string;
}
