import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { IsHttpBaseUrl } from '@gridflex/common';
import { DsoPeerOptionsDto } from './dso-peer-options.dto';
import { IsGroupIds } from './group-ids';

export const TOKEN = /^[\x21-\x7e]{16,512}$/;

export class CreateDsoPeerDto {
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  /** The token this DSO will present in `Authorization: Token <token>`; only its hash is stored. */
  @IsString()
  @Matches(TOKEN, { message: 'token must be 16 to 512 printable ASCII characters without whitespace' })
  token!: string;

  /** The DSO's OSCP 2.0 base URL; optional when the DSO registers first and announces it. */
  @IsOptional()
  @IsHttpBaseUrl({
    message:
      'baseUrl must be an http:// or https:// URL without a trailing slash, credentials, query, ' +
      'control characters or . and .. segments',
  })
  baseUrl?: string;

  /** The out-of-band token the DSO gave us, for registering with it first; stored encrypted. */
  @IsOptional()
  @IsString()
  @Matches(TOKEN, { message: 'peerToken must be 16 to 512 printable ASCII characters without whitespace' })
  peerToken?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DsoPeerOptionsDto)
  options?: DsoPeerOptionsDto;

  /**
   * The capacity groups this DSO governs (none when absent): it may send forecasts for these alone, and
   * only it receives their measurements. A group is bound to one peer at most (409 otherwise).
   */
  @IsGroupIds()
  groupIds?: string[];
}
