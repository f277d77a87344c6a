import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { INT4_MAX } from '@gridflex/common';
import { MEASUREMENT_CONFIGURATIONS, MeasurementConfiguration, RequiredBehaviour } from '../oscp.types';

export class RequiredBehaviourDto implements RequiredBehaviour {
  @IsOptional()
  @IsInt({ message: 'heartbeat_interval must be a whole number of seconds' })
  @Min(1)
  @Max(INT4_MAX, { message: 'heartbeat_interval must be at most 2147483647 seconds' })
  heartbeat_interval?: number;

  /** Required by the schema, optional here: pyoscp and others omit it, and "absent" reads as "empty". */
  @IsOptional()
  @IsArray()
  @IsIn(MEASUREMENT_CONFIGURATIONS, { each: true })
  measurement_configuration: MeasurementConfiguration[] = [];
}

/** OSCP 2.0 Handshake and HandshakeAcknowledge (same shape). */
export class HandshakeDto {
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RequiredBehaviourDto)
  required_behaviour?: RequiredBehaviourDto;
}
