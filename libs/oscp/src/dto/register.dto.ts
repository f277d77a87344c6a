import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { IsFreeOfPathTraversal, ValidateNestedObjects } from '@gridflex/common';
import type { Register, VersionUrl } from '../oscp.types';

export class VersionUrlDto implements VersionUrl {
  @IsString()
  @IsNotEmpty()
  @MaxLength(20)
  version!: string;

  /** A URL, or a bare path that some Capacity Providers send, resolved against the URL we know. */
  @IsString()
  @Matches(/^(https?:\/\/[^\s/]+)?\/?[^\s]*$/, {
    message: 'base_url must be an http:// or https:// URL or an absolute path',
  })
  @IsFreeOfPathTraversal()
  @IsNotEmpty()
  @MaxLength(2000)
  base_url!: string;
}

/** OSCP 2.0 Register; property names are the wire names. */
export class RegisterDto implements Register {
  @IsString()
  @Matches(/^[\x21-\x7e]{1,512}$/, {
    message: 'token must be 1 to 512 printable ASCII characters without whitespace',
  })
  token!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNestedObjects()
  @Type(() => VersionUrlDto)
  version_url!: VersionUrlDto[];
}
