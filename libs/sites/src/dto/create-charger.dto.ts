import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
  ValidationArguments,
  registerDecorator,
} from 'class-validator';

/** OCPP identifierString without ':' (the identity is the Basic-auth user name), at most 48 characters. */
export const CHARGER_IDENTITY_PATTERN = /^[A-Za-z0-9*_=+|@.-]{1,48}$/;
export const SUPPORTED_OCPP_VERSIONS = ['1.6'] as const;

export class CreateConnectorDto {
  @IsInt({ message: 'connectorId must be an integer' })
  @Min(1)
  @Max(32)
  connectorId!: number;

  /** Highest current per phase the connector, its cable and the charger allow; 6 A is the lowest IEC 61851 signal. */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'maxCurrentA must be a number of amperes' })
  @Min(6)
  @Max(80)
  maxCurrentA!: number;

  @IsIn([1, 3], { message: 'phases must be 1 or 3' })
  phases!: 1 | 3;
}

function UniqueConnectorIds() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'uniqueConnectorIds',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          !Array.isArray(value) ||
          new Set(value.map((c: { connectorId?: unknown }) => c?.connectorId)).size === value.length,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must have distinct connectorId values`,
      },
    });
}

export class CreateChargerDto {
  @IsString()
  @Matches(CHARGER_IDENTITY_PATTERN, {
    message: 'identity must be 1-48 characters of letters, digits and * _ = + | @ . -',
  })
  identity!: string;

  /** OCPP security profile 1/2 Basic-auth password (AuthorizationKey); stored only as a salted hash. */
  @IsOptional()
  @IsString()
  @Length(16, 64, { message: 'password must be 16 to 64 characters' })
  password?: string;

  @IsIn(SUPPORTED_OCPP_VERSIONS, {
    message: `ocppVersion must be one of: ${SUPPORTED_OCPP_VERSIONS.join(', ')}`,
  })
  ocppVersion!: (typeof SUPPORTED_OCPP_VERSIONS)[number];

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @UniqueConnectorIds()
  @ValidateNested({ each: true })
  @Type(() => CreateConnectorDto)
  connectors!: CreateConnectorDto[];
}
