import { IsString, Length, ValidateIf } from 'class-validator';

export class UpdateSiteGroupDto {
  /** The OSCP `group_id` to map the site to, or null to unmap it. */
  @ValidateIf((_dto, value) => value !== null)
  @IsString({ message: 'groupId must be a string or null' })
  @Length(1, 100)
  groupId!: string | null;
}
