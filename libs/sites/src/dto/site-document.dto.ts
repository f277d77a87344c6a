import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  Length,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ValidateNestedObjects } from '@gridflex/common';
import { CreateChargerDto } from './create-charger.dto';
import { CreateSiteDto, PhaseLimitsDto } from './create-site.dto';
import { TransformerDto } from './transformer.dto';

export const SITE_DOCUMENT_FORMAT = 'gridflex.site/1';

/** A circuit of the document; `ref` names it within the document only. */
export class CircuitDocumentDto {
  @IsString()
  @Length(1, 100)
  ref!: string;

  @IsString()
  @Length(1, 100)
  name!: string;

  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsString()
  @Length(1, 100)
  parentRef?: string | null;

  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  limitA!: PhaseLimitsDto;

  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @ValidateNested()
  @Type(() => TransformerDto)
  transformer?: TransformerDto | null;
}

/** A charger of the document, placed by the `ref` of its circuit instead of a circuit id. */
export class ChargerDocumentDto extends CreateChargerDto {
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsString()
  @Length(1, 100)
  circuitRef?: string | null;
}

/** A site's whole model as one document: for bulk onboarding and backups. Passwords are never exported. */
export class SiteDocumentDto {
  @IsIn([SITE_DOCUMENT_FORMAT], { message: `format must be ${SITE_DOCUMENT_FORMAT}` })
  format!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => CreateSiteDto)
  site!: CreateSiteDto;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNestedObjects()
  @Type(() => CircuitDocumentDto)
  circuits?: CircuitDocumentDto[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5000)
  @ValidateNestedObjects()
  @Type(() => ChargerDocumentDto)
  chargers?: ChargerDocumentDto[];
}
