import type { IdTokenRow } from './authorization.repository';

export interface IdTokenView {
  id: string;
  idToken: string;
  type: string;
  status: string;
  expiresAt: string | null;
  parentIdToken: string | null;
  siteId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SiteAuthorizationView {
  siteId: string;
  policy: string;
  listVersion: number;
  allowConcurrentTransactions: boolean;
}

export function idTokenView(row: IdTokenRow): IdTokenView {
  return {
    id: row.id,
    idToken: row.idToken,
    type: row.type,
    status: row.status,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    parentIdToken: row.parentIdToken,
    siteId: row.siteId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
