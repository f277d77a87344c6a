import { ApiProperty } from '@nestjs/swagger';
import { ID_TOKEN_STATUSES, ID_TOKEN_TYPES, SITE_POLICIES } from '../decide';
import type { IdTokenView, SiteAuthorizationView } from '../views';

/** The answers of the authorization routes as OpenAPI schemas; each implements the view it documents. */

export class IdTokenViewDto implements IdTokenView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: '1.6 idTag or 2.0.1 idToken, compared case-insensitively', maxLength: 36 })
  idToken!: string;

  @ApiProperty({ enum: ID_TOKEN_TYPES })
  type!: string;

  @ApiProperty({ enum: ID_TOKEN_STATUSES })
  status!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Its group (parentIdTag / groupIdToken)' })
  parentIdToken!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: valid at every site' })
  siteId!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;
}

export class SiteAuthorizationViewDto implements SiteAuthorizationView {
  @ApiProperty({ format: 'uuid' })
  siteId!: string;

  @ApiProperty({ enum: SITE_POLICIES })
  policy!: string;

  @ApiProperty({ description: 'Version of the local auth list of the site, sent to its chargers' })
  listVersion!: number;

  @ApiProperty({
    description:
      'false: an id token already in an open transaction on another connector is refused a second one (ConcurrentTx)',
  })
  allowConcurrentTransactions!: boolean;
}
