import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional } from 'class-validator';
import { ValidateNestedObjects } from '@gridflex/common';
import { SiteDocumentDto } from '@gridflex/sites';
import { PeakShavingRuleDto } from './peak-shaving-rule.dto';
import { TariffDto } from './tariff.dto';

/** The site-model document with the site's peak-shaving rules and tariffs. */
export class SiteSchedulesDocumentDto extends SiteDocumentDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNestedObjects()
  @Type(() => PeakShavingRuleDto)
  peakShavingRules?: PeakShavingRuleDto[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNestedObjects()
  @Type(() => TariffDto)
  tariffs?: TariffDto[];
}
