import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { SITE_POLICIES, SitePolicy } from '../decide';

export class SiteAuthorizationDto {
  /** `acceptAll`: every id token not listed otherwise; `list`: only the listed tokens valid at the site. */
  @IsIn(SITE_POLICIES, { message: `policy must be one of ${SITE_POLICIES.join(', ')}` })
  policy!: SitePolicy;

  /**
   * false: an id token already in an open transaction on another connector is refused a second one
   * (`ConcurrentTx`). Unset keeps the site's setting (initially true).
   */
  @IsOptional()
  @IsBoolean()
  allowConcurrentTransactions?: boolean;
}
