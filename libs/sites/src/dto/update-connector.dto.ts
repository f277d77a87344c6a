import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';

/** What the CPO may change on a connector; every property is optional. */
export class UpdateConnectorDto {
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
