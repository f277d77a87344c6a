import { idTagInfo16, idTokenInfo201 } from '@gridflex/ocpp';
import type { AuthorizationDecision } from '@gridflex/ocpp';
import type { schema } from '@gridflex/persistence';
import { decide, ListedIdToken, tokenKey } from './decide';

export type LocalAuthListEntry = schema.LocalAuthListEntry;
export type ChargerProtocolVersion = '1.6' | '2.0.1';

/** 1.6 idTags (and parentIdTags) have at most 20 characters: longer tokens cannot reach a 1.6 charger. */
const IDTAG_16_MAX_LENGTH = 20;

export interface LocalListUpdate {
  /** Added or changed entries. */
  upserts: LocalAuthListEntry[];
  /** Entries to drop. */
  removals: Pick<LocalAuthListEntry, 'idToken' | 'type'>[];
}

export type UpdateType = 'Full' | 'Differential';

/**
 * The local auth list of a charger at the site: every token valid there, with the status the charger is to
 * apply offline (blocked ones included, so that they stay refused), in a stable order.
 * @param listed the tokens valid at the site (own site or none)
 * @param parents listed tokens by `tokenKey`, to find each token's group
 */
export function localListEntries(
  listed: readonly ListedIdToken[],
  parents: ReadonlyMap<string, ListedIdToken>,
  siteId: string,
  version: ChargerProtocolVersion,
  at: Date,
): LocalAuthListEntry[] {
  return listed
    .filter((token) => version === '2.0.1' || token.idToken.length <= IDTAG_16_MAX_LENGTH)
    .map((token) => {
      const parent =
        token.parentIdToken === null ? null : (parents.get(tokenKey(token.parentIdToken)) ?? null);
      const decision = decide({ policy: 'list', siteId, presented: token, token, parent, at });
      return entryOf(token, decision);
    })
    .sort((a, b) => compareKeys(a.idToken, b.idToken));
}

function entryOf(token: ListedIdToken, decision: AuthorizationDecision): LocalAuthListEntry {
  return {
    idToken: token.idToken,
    type: token.type,
    status: decision.status,
    ...(token.expiresAt !== null && { expiryDate: token.expiresAt.toISOString() }),
    ...(token.parentIdToken !== null && { parentIdTag: token.parentIdToken }),
  };
}

/** What turns the list `before` into `after`. */
export function diffLocalList(
  before: readonly LocalAuthListEntry[],
  after: readonly LocalAuthListEntry[],
): LocalListUpdate {
  const previous = new Map(before.map((entry) => [tokenKey(entry.idToken), entry]));
  const next = new Set(after.map((entry) => tokenKey(entry.idToken)));
  return {
    upserts: after.filter((entry) => !sameEntry(previous.get(tokenKey(entry.idToken)), entry)),
    removals: before
      .filter((entry) => !next.has(tokenKey(entry.idToken)))
      .map(({ idToken, type }) => ({ idToken, type })),
  };
}

function sameEntry(a: LocalAuthListEntry | undefined, b: LocalAuthListEntry): boolean {
  return (
    a !== undefined &&
    a.idToken === b.idToken &&
    a.type === b.type &&
    a.status === b.status &&
    a.expiryDate === b.expiryDate &&
    a.parentIdTag === b.parentIdTag
  );
}

/** `SendLocalList.req` of the charger's version; an entry without its info removes the token. */
export function sendLocalListRequest(
  version: ChargerProtocolVersion,
  listVersion: number,
  updateType: UpdateType,
  update: LocalListUpdate,
): object {
  const decision = (entry: LocalAuthListEntry): AuthorizationDecision => ({
    status: entry.status as AuthorizationDecision['status'],
    ...(entry.expiryDate !== undefined && { expiryDate: entry.expiryDate }),
    ...(entry.parentIdTag !== undefined && { parentIdTag: entry.parentIdTag }),
  });
  if (version === '1.6') {
    const list = [
      ...update.upserts.map((entry) => ({ idTag: entry.idToken, idTagInfo: idTagInfo16(decision(entry)) })),
      ...update.removals.map((entry) => ({ idTag: entry.idToken })),
    ];
    return { listVersion, updateType, ...(list.length > 0 && { localAuthorizationList: list }) };
  }
  const idTokenOf = (entry: Pick<LocalAuthListEntry, 'idToken' | 'type'>) => ({
    idToken: entry.idToken,
    type: entry.type,
  });
  const list = [
    ...update.upserts.map((entry) => ({
      idToken: idTokenOf(entry),
      idTokenInfo: idTokenInfo201(decision(entry)),
    })),
    ...update.removals.map((entry) => ({ idToken: idTokenOf(entry) })),
  ];
  return { versionNumber: listVersion, updateType, ...(list.length > 0 && { localAuthorizationList: list }) };
}

/** The list version a `GetLocalListVersion.conf` reports. */
export function reportedListVersion(version: ChargerProtocolVersion, answer: unknown): number {
  const fields = answer as { listVersion?: number; versionNumber?: number };
  return (version === '1.6' ? fields.listVersion : fields.versionNumber) ?? 0;
}

function compareKeys(a: string, b: string): number {
  const left = tokenKey(a);
  const right = tokenKey(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
