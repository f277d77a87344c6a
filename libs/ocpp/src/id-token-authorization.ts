import { Injectable } from '@nestjs/common';
import type { ChargerSession } from './charger-session';

/** The statuses both versions share (2.0.1 adds more; 1.6 has no others). */
export type IdTokenStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export interface IdTokenVerdict {
  status: IdTokenStatus;
  /** Until when the charger may cache the verdict. */
  expiresAt?: Date;
  /** The token's group (1.6 `parentIdTag`, 2.0.1 `groupIdToken`). */
  parentId?: string;
}

/**
 * The one decision on an id token a charger presents: Authorize, StartTransaction's `idTagInfo` and
 * TransactionEvent's `idTokenInfo` of both versions all ask here.
 */
@Injectable()
export class IdTokenAuthorization {
  /** Every token is accepted until the authorization policy of the sites (libs/authorization) decides here. */
  verdict(_session: ChargerSession, _idToken: string): Promise<IdTokenVerdict> {
    return Promise.resolve({ status: 'Accepted' });
  }
}
