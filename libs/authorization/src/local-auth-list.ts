import { idTagInfo16, idTokenInfo201 } from '@gridflex/ocpp';
import type { AuthorizationDecision, ChargerCapabilities } from '@gridflex/ocpp';
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

/** What a charger reported it can take of a local list; null: not reported, no limit assumed. */
export interface LocalListLimits {
  itemsPerMessage: number | null;
  maxEntries: number | null;
}

export function localListLimits(capabilities: ChargerCapabilities | null): LocalListLimits {
  return {
    itemsPerMessage: capabilities?.localListItemsPerMessage ?? null,
    maxEntries: capabilities?.localListMaxEntries ?? null,
  };
}

/**
 * The entries a charger holding at most `maxEntries` gets, in list order: the Accepted ones first, since they
 * are what lets drivers charge while the charger is offline (a token it does not hold is then up to its own
 * offline rules, as it is anyway under `acceptAll`), then the refused ones, each kind in list order.
 */
export function fitLocalList(
  entries: readonly LocalAuthListEntry[],
  maxEntries: number | null,
): { entries: LocalAuthListEntry[]; omitted: number } {
  if (maxEntries === null || entries.length <= maxEntries) return { entries: [...entries], omitted: 0 };
  const byPriority = [
    ...entries.filter((entry) => entry.status === 'Accepted'),
    ...entries.filter((entry) => entry.status !== 'Accepted'),
  ];
  const kept = new Set(byPriority.slice(0, maxEntries));
  return { entries: entries.filter((entry) => kept.has(entry)), omitted: entries.length - kept.size };
}

/** The requests of one update, and the list version the charger holds once it accepted them all. */
export interface LocalListRequests {
  requests: object[];
  listVersion: number;
}

/**
 * The `SendLocalList.req`s that make `update` with at most `itemsPerMessage` entries each: the first of the
 * requested type, the rest `Differential`. A charger answers a Differential whose version is not above the one
 * it holds `VersionMismatch`, so their versions rise by one each, above `heldVersion`, up to the site's
 * `siteVersion` when there is room below it (always, but for a list in more pieces than versions since the
 * charger's last). Removals go first, so that a charger at its maximum has room for what is added.
 */
export function sendLocalListRequests(
  version: ChargerProtocolVersion,
  versions: { siteVersion: number; heldVersion: number },
  updateType: UpdateType,
  update: LocalListUpdate,
  itemsPerMessage: number | null,
): LocalListRequests {
  const pieces = splitUpdate(update, itemsPerMessage);
  const listVersion = Math.max(versions.siteVersion, versions.heldVersion + pieces.length);
  const first = listVersion - pieces.length + 1;
  return {
    requests: pieces.map((piece, index) =>
      sendLocalListRequest(version, first + index, index === 0 ? updateType : 'Differential', piece),
    ),
    listVersion,
  };
}

/** At least one piece, an empty one for an empty update. */
function splitUpdate(update: LocalListUpdate, itemsPerMessage: number | null): LocalListUpdate[] {
  const items: LocalListUpdate[] = [
    ...update.removals.map((removal) => ({ upserts: [], removals: [removal] })),
    ...update.upserts.map((upsert) => ({ upserts: [upsert], removals: [] })),
  ];
  const size = itemsPerMessage ?? Math.max(items.length, 1);
  const pieces: LocalListUpdate[] = [];
  for (let start = 0; start < items.length; start += size) {
    const piece = items.slice(start, start + size);
    pieces.push({
      upserts: piece.flatMap((item) => item.upserts),
      removals: piece.flatMap((item) => item.removals),
    });
  }
  return pieces.length > 0 ? pieces : [{ upserts: [], removals: [] }];
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
      ...update.removals.map((entry) => ({ idTag: entry.idToken })),
      ...update.upserts.map((entry) => ({ idTag: entry.idToken, idTagInfo: idTagInfo16(decision(entry)) })),
    ];
    return { listVersion, updateType, ...(list.length > 0 && { localAuthorizationList: list }) };
  }
  const idTokenOf = (entry: Pick<LocalAuthListEntry, 'idToken' | 'type'>) => ({
    idToken: entry.idToken,
    type: entry.type,
  });
  const list = [
    ...update.removals.map((entry) => ({ idToken: idTokenOf(entry) })),
    ...update.upserts.map((entry) => ({
      idToken: idTokenOf(entry),
      idTokenInfo: idTokenInfo201(decision(entry)),
    })),
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
