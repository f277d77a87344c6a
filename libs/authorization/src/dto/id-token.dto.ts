import { applyDecorators } from '@nestjs/common';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import { IsRfc3339Instant } from '@gridflex/common';
import { ID_TOKEN_STATUSES, ID_TOKEN_TYPES, IdTokenStatus, IdTokenType } from '../decide';

/** 2.0.1 idTokens have at most 36 characters (a 1.6 idTag at most 20: longer ones never reach 1.6 chargers). */
export const ID_TOKEN_MAX_LENGTH = 36;
/** Printable ASCII, as OCPP's CiString, without leading or trailing spaces. */
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

const given = (_dto: object, value: unknown) => value !== undefined && value !== null;

function IdTokenText(field: string): PropertyDecorator {
  return applyDecorators(
    IsString({ message: `${field} must be a string` }),
    MaxLength(ID_TOKEN_MAX_LENGTH, {
      message: `${field} must have at most ${ID_TOKEN_MAX_LENGTH} characters (a 1.6 idTag at most 20)`,
    }),
    Matches(PRINTABLE, {
      message: `${field} must be printable ASCII characters without leading or trailing spaces`,
    }),
  );
}

const typeRule = IsIn(ID_TOKEN_TYPES, { message: `type must be one of ${ID_TOKEN_TYPES.join(', ')}` });
const statusRule = IsIn(ID_TOKEN_STATUSES, {
  message: `status must be one of ${ID_TOKEN_STATUSES.join(', ')}`,
});
const siteRule = IsUUID('all', {
  message: 'siteId must be the id (UUID) of a site, or absent for every site',
});

export class CreateIdTokenDto {
  /** The 1.6 idTag or 2.0.1 idToken, compared case-insensitively. */
  @IdTokenText('idToken')
  idToken!: string;

  /** 2.0.1 `IdTokenEnumType`; `ISO14443` (an RFID card) when absent. 1.6 chargers send no type. */
  @IsOptional()
  @typeRule
  type?: IdTokenType;

  /** `Accepted` when absent. */
  @IsOptional()
  @statusRule
  status?: IdTokenStatus;

  /** From this instant (with an offset) on, the token is `Expired`. */
  @IsOptional()
  @IsRfc3339Instant({ message: 'expiresAt must be an ISO 8601 instant that exists, with Z or an offset' })
  expiresAt?: string;

  /** Its group (1.6 parentIdTag, 2.0.1 groupIdToken): a blocked or expired group stops its members. */
  @IsOptional()
  @IdTokenText('parentIdToken')
  parentIdToken?: string;

  /** Valid at this site only; at every site when absent. */
  @IsOptional()
  @siteRule
  siteId?: string;
}

/** An absent property is kept, null clears it. The token's value itself does not change: delete and create. */
export class UpdateIdTokenDto {
  @IsOptional()
  @typeRule
  type?: IdTokenType;

  @IsOptional()
  @statusRule
  status?: IdTokenStatus;

  @ValidateIf(given)
  @IsRfc3339Instant({
    message: 'expiresAt must be an ISO 8601 instant that exists, with Z or an offset, or null',
  })
  expiresAt?: string | null;

  @ValidateIf(given)
  @IdTokenText('parentIdToken')
  parentIdToken?: string | null;

  @ValidateIf(given)
  @siteRule
  siteId?: string | null;
}
