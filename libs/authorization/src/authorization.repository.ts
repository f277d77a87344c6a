import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { type ConcurrencyScope, EFFECTIVE_UPSTREAM_URL } from '@gridflex/ocpp';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import type { IdTokenStatus, ListedIdToken, SitePolicy } from './decide';
import { tokenKey } from './decide';
import type { LocalAuthListEntry } from './local-auth-list';

export type IdTokenRow = typeof schema.idTokens.$inferSelect;
export type NewIdToken = Omit<typeof schema.idTokens.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type IdTokenChanges = Partial<Omit<NewIdToken, 'idToken'>>;

/** The site and policy a charger's tokens are judged by, and what its local list is sent with. */
export interface ChargerAuthorizationContext {
  chargerId: string;
  identity: string;
  ocppVersion: string;
  siteId: string;
  /** What discovery learnt on its last connection; null before. */
  capabilities: schema.ChargerCapabilitiesColumn | null;
  policy: SitePolicy;
  listVersion: number;
  allowConcurrentTransactions: boolean;
  /** Proxy mode: it has an upstream central system, which owns its local auth list. */
  proxied: boolean;
}

export interface SentLocalList {
  /** The version the charger holds: the site's, unless a list in pieces needed more versions than that. */
  listVersion: number;
  /** The version of the site's list it holds. */
  siteListVersion: number;
  entries: LocalAuthListEntry[];
  /** Entries of the site's list the charger could not hold. */
  omittedEntries?: number;
}

/** A site's authorization settings. */
export interface SitePolicySettings {
  policy: SitePolicy;
  allowConcurrentTransactions: boolean;
}

/** Which sites a change of tokens touches: the sites named, or every site (a token valid everywhere). */
export type AffectedSites = { all: true } | { all: false; siteIds: string[] };

const { idTokens, siteAuthorization, chargers, connectors, sites, chargerLocalAuthLists, transactions } =
  schema;
type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Id tokens, site policies and the local lists sent to chargers. Every change of the tokens valid at a site,
 * or of its policy, increments the site's list version in the same transaction.
 */
@Injectable()
export class AuthorizationRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async chargerContext(chargerId: string): Promise<ChargerAuthorizationContext | null> {
    const [row] = await this.db
      .select({
        chargerId: chargers.id,
        identity: chargers.identity,
        ocppVersion: chargers.ocppVersion,
        siteId: chargers.siteId,
        capabilities: chargers.capabilities,
        policy: siteAuthorization.policy,
        listVersion: siteAuthorization.listVersion,
        allowConcurrentTransactions: siteAuthorization.allowConcurrentTransactions,
        upstreamUrl: EFFECTIVE_UPSTREAM_URL,
      })
      .from(chargers)
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .leftJoin(siteAuthorization, eq(siteAuthorization.siteId, chargers.siteId))
      .where(eq(chargers.id, chargerId));
    if (!row) return null;
    const { upstreamUrl, ...context } = row;
    return {
      ...context,
      proxied: upstreamUrl !== null,
      policy: (row.policy ?? 'acceptAll') as SitePolicy,
      listVersion: row.listVersion ?? 0,
      allowConcurrentTransactions: row.allowConcurrentTransactions ?? true,
    };
  }

  /**
   * Whether the token (compared case-insensitively) is in an open transaction at any charger we manage, out of
   * the scope's own connector or charger.
   */
  async inOpenTransaction(idToken: string, scope: ConcurrencyScope): Promise<boolean> {
    const elsewhere =
      'otherThanConnector' in scope
        ? ne(transactions.connectorRef, scope.otherThanConnector)
        : ne(connectors.chargerId, scope.otherThanCharger);
    const [row] = await this.db
      .select({ id: transactions.id })
      .from(transactions)
      .innerJoin(connectors, eq(connectors.id, transactions.connectorRef))
      .where(
        and(
          eq(sql`lower(${transactions.idTag})`, tokenKey(idToken)),
          isNull(transactions.stoppedAt),
          elsewhere,
        ),
      )
      .limit(1);
    return row !== undefined;
  }

  /** The listed tokens with these values (compared case-insensitively). */
  async findTokens(values: string[]): Promise<Map<string, ListedIdToken>> {
    if (values.length === 0) return new Map();
    const rows = await this.db
      .select()
      .from(idTokens)
      .where(inArray(sql`lower(${idTokens.idToken})`, values.map(tokenKey)));
    return new Map(rows.map((row) => [tokenKey(row.idToken), listed(row)]));
  }

  /** The tokens valid at the site: its own and those of every site. */
  async tokensOfSite(siteId: string): Promise<ListedIdToken[]> {
    const rows = await this.db
      .select()
      .from(idTokens)
      .where(or(isNull(idTokens.siteId), eq(idTokens.siteId, siteId)));
    return rows.map(listed);
  }

  list(): Promise<IdTokenRow[]> {
    return this.db
      .select()
      .from(idTokens)
      .orderBy(asc(sql`lower(${idTokens.idToken})`));
  }

  async get(id: string): Promise<IdTokenRow | null> {
    const [row] = await this.db.select().from(idTokens).where(eq(idTokens.id, id));
    return row ?? null;
  }

  async create(token: NewIdToken): Promise<{ row: IdTokenRow; sites: AffectedSites }> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.insert(idTokens).values(token).returning();
      return { row, sites: await bumpListVersions(tx, await affected(tx, row, row)) };
    });
  }

  /** null when there is no such token. */
  async update(
    id: string,
    changes: IdTokenChanges,
  ): Promise<{ row: IdTokenRow; sites: AffectedSites } | null> {
    return this.db.transaction(async (tx) => {
      const [before] = await tx.select().from(idTokens).where(eq(idTokens.id, id)).for('update');
      if (!before) return null;
      const [row] = await tx
        .update(idTokens)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(idTokens.id, id))
        .returning();
      return { row, sites: await bumpListVersions(tx, await affected(tx, before, row)) };
    });
  }

  /** null when there is no such token. */
  async remove(id: string): Promise<AffectedSites | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.delete(idTokens).where(eq(idTokens.id, id)).returning();
      return row ? bumpListVersions(tx, await affected(tx, row, row)) : null;
    });
  }

  async siteExists(siteId: string): Promise<boolean> {
    const [row] = await this.db.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId));
    return row !== undefined;
  }

  async sitePolicy(siteId: string): Promise<SitePolicySettings & { listVersion: number }> {
    const [row] = await this.db.select().from(siteAuthorization).where(eq(siteAuthorization.siteId, siteId));
    return {
      policy: (row?.policy ?? 'acceptAll') as SitePolicy,
      listVersion: row?.listVersion ?? 0,
      allowConcurrentTransactions: row?.allowConcurrentTransactions ?? true,
    };
  }

  /**
   * A new policy is a new version of the site's list (empty under `acceptAll`); the same one changes nothing.
   * Concurrent transactions are no part of the list: changing them keeps its version.
   * @param settings an unset `allowConcurrentTransactions` keeps the site's
   */
  async setSitePolicy(
    siteId: string,
    settings: { policy: SitePolicy; allowConcurrentTransactions?: boolean },
  ): Promise<{ listVersion: number; changed: boolean; allowConcurrentTransactions: boolean }> {
    const { policy } = settings;
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(siteAuthorization)
        .where(eq(siteAuthorization.siteId, siteId))
        .for('update');
      const allowConcurrentTransactions =
        settings.allowConcurrentTransactions ?? current?.allowConcurrentTransactions ?? true;
      const changed = (current?.policy ?? 'acceptAll') !== policy;
      const [row] = await tx
        .insert(siteAuthorization)
        .values({ siteId, policy, listVersion: changed ? 1 : 0, allowConcurrentTransactions })
        .onConflictDoUpdate({
          target: siteAuthorization.siteId,
          set: {
            policy,
            allowConcurrentTransactions,
            ...(changed && { listVersion: sql`${siteAuthorization.listVersion} + 1` }),
          },
        })
        .returning();
      return { listVersion: row.listVersion, changed, allowConcurrentTransactions };
    });
  }

  /** The chargers of the sites, or of every site. */
  async chargersOf(sitesAffected: AffectedSites): Promise<string[]> {
    const query = this.db.select({ id: chargers.id }).from(chargers);
    const rows = sitesAffected.all
      ? await query
      : sitesAffected.siteIds.length === 0
        ? []
        : await query.where(inArray(chargers.siteId, sitesAffected.siteIds));
    return rows.map((row) => row.id);
  }

  async sentLocalList(chargerId: string): Promise<SentLocalList | null> {
    const [row] = await this.db
      .select({
        listVersion: chargerLocalAuthLists.listVersion,
        siteListVersion: chargerLocalAuthLists.siteListVersion,
        entries: chargerLocalAuthLists.entries,
        omittedEntries: chargerLocalAuthLists.omittedEntries,
      })
      .from(chargerLocalAuthLists)
      .where(eq(chargerLocalAuthLists.chargerId, chargerId));
    return row ?? null;
  }

  async recordSentLocalList(chargerId: string, list: SentLocalList): Promise<void> {
    const values = { ...list, sentAt: new Date() };
    await this.db
      .insert(chargerLocalAuthLists)
      .values({ chargerId, ...values })
      .onConflictDoUpdate({ target: chargerLocalAuthLists.chargerId, set: values });
  }
}

/**
 * The sites whose lists a change of a token (from `before` to `after`) touches: its sites, or every site when
 * it is valid everywhere or is the group of other tokens, whose entries carry its status.
 */
async function affected(tx: Transaction, before: IdTokenRow, after: IdTokenRow): Promise<AffectedSites> {
  const siteIds = [before.siteId, after.siteId];
  if (siteIds.some((siteId) => siteId === null)) return { all: true };
  const [member] = await tx
    .select({ id: idTokens.id })
    .from(idTokens)
    .where(eq(sql`lower(${idTokens.parentIdToken})`, tokenKey(after.idToken)))
    .limit(1);
  if (member) return { all: true };
  return { all: false, siteIds: [...new Set(siteIds as string[])] };
}

async function bumpListVersions(tx: Transaction, target: AffectedSites): Promise<AffectedSites> {
  if (!target.all && target.siteIds.length === 0) return target;
  const ids = target.all
    ? await tx.select({ id: sites.id }).from(sites)
    : target.siteIds.map((id) => ({ id }));
  if (ids.length === 0) return target;
  await tx
    .insert(siteAuthorization)
    .values(ids.map(({ id }) => ({ siteId: id, listVersion: 1 })))
    .onConflictDoUpdate({
      target: siteAuthorization.siteId,
      set: { listVersion: sql`${siteAuthorization.listVersion} + 1` },
    });
  return target;
}

function listed(row: IdTokenRow): ListedIdToken {
  return {
    idToken: row.idToken,
    type: row.type,
    status: row.status as IdTokenStatus,
    expiresAt: row.expiresAt,
    parentIdToken: row.parentIdToken,
    siteId: row.siteId,
  };
}
