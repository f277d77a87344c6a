import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, ValidateNested } from 'class-validator';
import { SiteDocumentDto } from '@gridflex/sites';
import { PeakShavingRuleDto } from './peak-shaving-rule.dto';
import { TariffDto } from './tariff.dto';

/** The site-model document with the site's peak-shaving rules and tariffs. */
export class SiteSchedulesDocumentDto extends SiteDocumentDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => PeakShavingRuleDto)
  peakShavingRules?: PeakShavingRuleDto[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => TariffDto)
  tariffs?: TariffDto[];
}
