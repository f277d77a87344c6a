import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { and, eq, gt, lte } from 'drizzle-orm';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { hashToken } from '@gridflex/common';
import { DATABASE, Database, schema } from '@gridflex/persistence';

const SESSION_ID_BYTES = 32;

/**
 * Server-side dashboard sessions, so that signing out (or expiry) ends one for good: the cookie holds a
 * random id, the table only its hash.
 */
@Injectable()
export class DashboardSessionsRepository {
  readonly ttlS: number;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlS = config.DASHBOARD_SESSION_TTL_S;
  }

  /** Starts a session (sweeping expired ones) and returns its id, for the cookie only. */
  async create(now = new Date()): Promise<string> {
    const id = randomBytes(SESSION_ID_BYTES).toString('base64url');
    await this.db.delete(schema.dashboardSessions).where(lte(schema.dashboardSessions.expiresAt, now));
    await this.db.insert(schema.dashboardSessions).values({
      idHash: hashToken(id),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.ttlS * 1000),
    });
    return id;
  }

  /** Whether the id is of a session neither ended nor expired. */
  async isValid(id: string, now = new Date()): Promise<boolean> {
    const [row] = await this.db
      .select({ idHash: schema.dashboardSessions.idHash })
      .from(schema.dashboardSessions)
      .where(
        and(eq(schema.dashboardSessions.idHash, hashToken(id)), gt(schema.dashboardSessions.expiresAt, now)),
      );
    return row !== undefined;
  }

  async end(id: string): Promise<void> {
    await this.db.delete(schema.dashboardSessions).where(eq(schema.dashboardSessions.idHash, hashToken(id)));
  }
}
