import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { IsHttpBaseUrl } from '@gridflex/common';
import { TOKEN } from './create-dso-peer.dto';
import { DsoPeerOptionsDto } from './dso-peer-options.dto';
import { IsGroupIds } from './group-ids';

/** Changes to a peer; absent fields stay as they are, `options` and `groupIds` replace all they hold. */
export class UpdateDsoPeerDto {
  /** `null` forgets the URL (the DSO announces it again when it registers). */
  @ValidateIf((_dto, value) => value !== null)
  @IsOptional()
  @IsHttpBaseUrl({
    message:
      'baseUrl must be an http:// or https:// URL without a trailing slash, credentials, query, ' +
      'control characters or . and .. segments',
  })
  baseUrl?: string | null;

  @IsOptional()
  @IsString()
  @Matches(TOKEN, { message: 'peerToken must be 16 to 512 printable ASCII characters without whitespace' })
  peerToken?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DsoPeerOptionsDto)
  options?: DsoPeerOptionsDto;

  /** The groups this DSO governs from now on; a group bound to another peer is refused with 409. */
  @IsGroupIds()
  groupIds?: string[];
}
