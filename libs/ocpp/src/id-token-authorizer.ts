import type { IdTagInfo16 } from './ocpp16/messages';
import type { IdTokenInfo201 } from './ocpp201/messages';

/**
 * The seam through which both OCPP versions ask whether an id token may charge. The decision is made by the
 * authorization domain (`@gridflex/authorization`), which provides `ID_TOKEN_AUTHORIZER`; without it every
 * token is accepted, as before authorization existed.
 */
export const ID_TOKEN_AUTHORIZER = Symbol('ID_TOKEN_AUTHORIZER');

/** The statuses both versions share, and the 2.0.1 ones a 1.6 charger is told as `Invalid`. */
export type AuthorizationStatus =
  'Accepted' | 'Blocked' | 'ConcurrentTx' | 'Expired' | 'Invalid' | 'NotAtThisLocation' | 'Unknown';

export interface AuthorizationDecision {
  status: AuthorizationStatus;
  /** When the token stops being valid (ISO 8601). */
  expiryDate?: string;
  /** The token's group. */
  parentIdTag?: string;
}

/** An id token as a charger presents it; 1.6 idTags have no type. */
export interface PresentedIdToken {
  idToken: string;
  type?: string;
}

/**
 * Where a token presented to start charging may not also be in an open transaction (`ConcurrentTx`): on any
 * connector but this one (a start, which may repeat), or on any charger but this one (a 2.0.1 Authorize, which
 * names no EVSE and may be the card presented again to stop its own transaction there).
 */
export type ConcurrencyScope = { otherThanConnector: string } | { otherThanCharger: string };

export interface IdTokenAuthorizer {
  /** @param concurrency absent: no question of concurrent transactions (1.6 Authorize, local lists) */
  decide(
    chargerId: string,
    token: PresentedIdToken,
    at: Date,
    concurrency?: ConcurrencyScope,
  ): Promise<AuthorizationDecision>;
}

export const ACCEPT_EVERY_ID_TOKEN: IdTokenAuthorizer = {
  decide: () => Promise.resolve({ status: 'Accepted' }),
};

const IDTAG_16_MAX_LENGTH = 20;

export function idTagInfo16(decision: AuthorizationDecision): IdTagInfo16 {
  const { status, expiryDate, parentIdTag } = decision;
  return {
    status: status === 'NotAtThisLocation' || status === 'Unknown' ? 'Invalid' : status,
    ...(expiryDate !== undefined && { expiryDate }),
    ...(parentIdTag !== undefined && parentIdTag.length <= IDTAG_16_MAX_LENGTH && { parentIdTag }),
  };
}

export function idTokenInfo201(decision: AuthorizationDecision): IdTokenInfo201 {
  const { status, expiryDate, parentIdTag } = decision;
  return {
    status,
    ...(expiryDate !== undefined && { cacheExpiryDateTime: expiryDate }),
    ...(parentIdTag !== undefined && { groupIdToken: { idToken: parentIdTag, type: 'Central' } }),
  };
}
