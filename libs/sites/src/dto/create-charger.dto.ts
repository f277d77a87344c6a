import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidationArguments,
  registerDecorator,
} from 'class-validator';
import { ValidateNestedObjects } from '@gridflex/common';
import type { schema } from '@gridflex/persistence';
import { isPhaseRotation } from '../site-model';
import { UPSTREAM_MODES, UpstreamMode } from '../upstream';

/** OCPP identifierString without ':' (the identity is the Basic-auth user name), at most 48 characters. */
export const CHARGER_IDENTITY_PATTERN = /^[A-Za-z0-9*_=+|@.-]{1,48}$/;
/** What an upstream central system's URL must look like: a WebSocket URL, local host names allowed. */
const UPSTREAM_URL_OPTIONS = { protocols: ['ws', 'wss'], require_protocol: true, require_tld: false };
const UPSTREAM_URL_MESSAGE = 'upstreamUrl must be a ws:// or wss:// URL';
const UPSTREAM_PASSWORD_MESSAGE = 'upstreamPassword must be 1 to 64 characters';
export const UPSTREAM_MODE_MESSAGE = `upstreamMode must be one of: ${UPSTREAM_MODES.join(', ')}`;

/** Absent or null (`nullable`: PATCH's "remove"), else checked; a creation takes no null. */
function optional(nullable: boolean): PropertyDecorator {
  return nullable ? ValidateIf((_dto, value) => value !== undefined && value !== null) : IsOptional();
}

/** An upstream central system's URL (charger or site). */
export function IsUpstreamUrl({ nullable = false } = {}): PropertyDecorator {
  const message = nullable ? `${UPSTREAM_URL_MESSAGE} or null` : UPSTREAM_URL_MESSAGE;
  return applyDecorators(optional(nullable), IsUrl(UPSTREAM_URL_OPTIONS, { message }));
}

/** The HTTP Basic password presented to an upstream central system (charger or site). */
export function IsUpstreamPassword({ nullable = false } = {}): PropertyDecorator {
  return applyDecorators(
    optional(nullable),
    IsString({ message: UPSTREAM_PASSWORD_MESSAGE }),
    Length(1, 64, { message: UPSTREAM_PASSWORD_MESSAGE }),
  );
}

export const SUPPORTED_OCPP_VERSIONS = ['1.6', '2.0.1'] as const;

type LinePair = schema.LinePair;

export const LINE_PAIRS: readonly LinePair[] = ['AB', 'BC', 'CA'];

export function LineToLineNeedsTwoPhases() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'lineToLineNeedsTwoPhases',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          value === undefined || value === null || (args?.object as { phases?: unknown }).phases === 2,
        defaultMessage: () => 'lineToLine needs phases 2: a connector between two lines loads both',
      },
    });
}

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

  /** Phases loaded to neutral, from the charger's L1 on; 2 for a connector wired line to line. */
  @IsIn([1, 2, 3], { message: 'phases must be 1, 2 or 3' })
  phases!: 1 | 2 | 3;

  /**
   * Wired between these two grid lines instead of to neutral (AB = L1–L2, BC = L2–L3, CA = L3–L1), e.g. a
   * 208 V EVSE on a 120/208 V wye; needs `phases` 2. The pair names grid lines: `phaseRotation` does not apply.
   */
  @IsOptional()
  @IsIn(LINE_PAIRS, { message: `lineToLine must be one of: ${LINE_PAIRS.join(', ')}` })
  @LineToLineNeedsTwoPhases()
  lineToLine?: LinePair;

  /** Below this the connector is paused rather than charged; 6 A (IEC 61851) when not given. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minCurrentA must be a number of amperes' })
  @Min(0)
  @Max(80)
  minCurrentA?: number;

  /** Higher is served first when capacity is short; 0 when not given. */
  @IsOptional()
  @IsInt({ message: 'priority must be an integer' })
  @Min(-100)
  @Max(100)
  priority?: number;
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

type GridPhase = schema.GridPhase;

export function IsPhaseRotation() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPhaseRotation',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => Array.isArray(value) && isPhaseRotation(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a permutation of L1, L2, L3 such as ["L2", "L3", "L1"]` +
          (Array.isArray(args?.value) ? ` (got ${args.value.join(', ')})` : ''),
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

  /**
   * Proxy mode: `site` (default) forwards to the site's default upstream (standalone when it has none), `own`
   * to `upstreamUrl` (implied when `upstreamUrl` is given), `none` never (standalone on any site).
   */
  @IsOptional()
  @IsIn(UPSTREAM_MODES, { message: UPSTREAM_MODE_MESSAGE })
  upstreamMode?: UpstreamMode;

  /** Proxy mode: the charger's own central system, as `<upstreamUrl>/<identity>`; only with mode `own`. */
  @IsUpstreamUrl()
  upstreamUrl?: string;

  /**
   * HTTP Basic password gridflex presents to the upstream with the charger's identity (in mode `site`, instead of
   * the site's); never returned.
   */
  @IsUpstreamPassword()
  upstreamPassword?: string;

  /** The circuit feeding the charger; directly under the grid connection when not given. */
  @IsOptional()
  @IsUUID('all', { message: 'circuitId must be the id (UUID) of a circuit of the site' })
  circuitId?: string;

  /** The most the charger draws per phase over all its connectors. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'maxCurrentA must be a number of amperes' })
  @Min(6)
  @Max(1000)
  maxCurrentA?: number;

  /** Which grid phase feeds the charger's L1, L2, L3, e.g. `["L2", "L3", "L1"]`; straight when not given. */
  @IsOptional()
  @IsPhaseRotation()
  phaseRotation?: GridPhase[];

  /** Never smart-charged: no profile is sent and its maximum is reserved on its circuits. */
  @IsOptional()
  @IsBoolean({ message: 'smartChargingExcluded must be true or false' })
  smartChargingExcluded?: boolean;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @UniqueConnectorIds()
  @ValidateNestedObjects()
  @Type(() => CreateConnectorDto)
  connectors!: CreateConnectorDto[];
}
