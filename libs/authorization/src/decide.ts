import type { AuthorizationDecision, PresentedIdToken } from '@gridflex/ocpp';

/** `acceptAll` accepts tokens it does not know; `list` only the tokens of the list valid at the site. */
export const SITE_POLICIES = ['acceptAll', 'list'] as const;
export type SitePolicy = (typeof SITE_POLICIES)[number];

export const ID_TOKEN_STATUSES = ['Accepted', 'Blocked', 'Expired', 'Invalid'] as const;
export type IdTokenStatus = (typeof ID_TOKEN_STATUSES)[number];

/** 2.0.1 `IdTokenEnumType`. */
export const ID_TOKEN_TYPES = [
  'Central',
  'eMAID',
  'ISO14443',
  'ISO15693',
  'KeyCode',
  'Local',
  'MacAddress',
  'NoAuthorization',
] as const;
export type IdTokenType = (typeof ID_TOKEN_TYPES)[number];

/** A token of the list, as the rules need it. */
export interface ListedIdToken {
  idToken: string;
  type: string;
  status: IdTokenStatus;
  expiresAt: Date | null;
  parentIdToken: string | null;
  /** null: valid at every site. */
  siteId: string | null;
}

export interface DecisionInputs {
  policy: SitePolicy;
  /** The site of the charger the token is presented at. */
  siteId: string;
  presented: PresentedIdToken;
  /** The listed token with the presented value (compared case-insensitively), if any. */
  token: ListedIdToken | null;
  /** The token named as its parent (group), if listed. */
  parent: ListedIdToken | null;
  at: Date;
}

/**
 * Whether a presented id token may charge. A listed token is judged by its own entry under either policy (a
 * blocked card stays blocked when the site accepts all): its site, its status, its expiry, then its group's,
 * since a blocked or expired group stops its members. A 2.0.1 token of another type than the listed one is
 * another token.
 */
export function decide({
  policy,
  siteId,
  presented,
  token,
  parent,
  at,
}: DecisionInputs): AuthorizationDecision {
  const listed = token && (presented.type === undefined || presented.type === token.type) ? token : null;
  if (!listed) return { status: policy === 'acceptAll' ? 'Accepted' : 'Unknown' };
  if (listed.siteId !== null && listed.siteId !== siteId) return { status: 'NotAtThisLocation' };
  const own = ownStatus(listed, at);
  if (own !== 'Accepted') return { status: own };
  const group = parent ? ownStatus(parent, at) : 'Accepted';
  if (group !== 'Accepted') return { status: group };
  return {
    status: 'Accepted',
    ...(listed.expiresAt !== null && { expiryDate: listed.expiresAt.toISOString() }),
    ...(listed.parentIdToken !== null && { parentIdTag: listed.parentIdToken }),
  };
}

/** The token's status at `at`, its expiry considered. */
export function ownStatus(token: Pick<ListedIdToken, 'status' | 'expiresAt'>, at: Date): IdTokenStatus {
  if (token.status !== 'Accepted') return token.status;
  return token.expiresAt !== null && token.expiresAt.getTime() <= at.getTime() ? 'Expired' : 'Accepted';
}

/** OCPP compares id tokens case-insensitively. */
export function tokenKey(idToken: string): string {
  return idToken.toLowerCase();
}
