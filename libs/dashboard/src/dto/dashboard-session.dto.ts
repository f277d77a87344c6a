import { IsString, MaxLength, MinLength } from 'class-validator';

/** The admin key, sent once by the page (never in a URL, so it stays out of access logs). */
export class DashboardSessionDto {
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  key!: string;
}
