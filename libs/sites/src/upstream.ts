import type { schema } from '@gridflex/persistence';

export type UpstreamMode = schema.UpstreamMode;

export const UPSTREAM_MODES: readonly UpstreamMode[] = ['site', 'own', 'none'];

/** A charger's proxy-mode settings as stored. */
export interface ChargerUpstream {
  upstreamMode: UpstreamMode;
  upstreamUrl: string | null;
  upstreamPassword: string | null;
}

/** A site's default upstream as stored. */
export interface SiteUpstream {
  upstreamUrl: string | null;
  upstreamPassword: string | null;
}

/** What a request asks to change; absent properties are left as they are, null clears. */
export interface ChargerUpstreamChange {
  upstreamMode?: UpstreamMode;
  upstreamUrl?: string | null;
  upstreamPassword?: string | null;
}

/** The central system a charger's messages go to, and whose setting chose it. */
export interface EffectiveUpstream {
  url: string;
  source: 'charger' | 'site';
  /** Whether gridflex presents a password to it (the charger's own, else the site's). */
  passwordSet: boolean;
}

/** A combination of upstream settings that cannot be stored; the message says which property to fix. */
export class InvalidUpstreamError extends Error {}

/** A charger registered without upstream settings follows its site. */
export const NO_CHARGER_UPSTREAM: ChargerUpstream = {
  upstreamMode: 'site',
  upstreamUrl: null,
  upstreamPassword: null,
};

/**
 * The effective upstream of a charger: its own URL in mode `own`; its site's default in mode `site`, with the
 * charger's own password when it has one (a CSMS may know each charger by its own password behind one URL),
 * else the site's; none in mode `none` or when the site has no default. The gateway resolves the same in SQL.
 */
export function effectiveUpstream(charger: ChargerUpstream, site: SiteUpstream): EffectiveUpstream | null {
  if (charger.upstreamMode === 'own' && charger.upstreamUrl !== null) {
    return { url: charger.upstreamUrl, source: 'charger', passwordSet: charger.upstreamPassword !== null };
  }
  if (charger.upstreamMode === 'site' && site.upstreamUrl !== null) {
    const passwordSet = (charger.upstreamPassword ?? site.upstreamPassword) !== null;
    return { url: site.upstreamUrl, source: 'site', passwordSet };
  }
  return null;
}

/**
 * The settings after a change. Giving a URL alone means mode `own`; clearing the own URL alone returns the
 * charger to its site. Mode `own` needs a URL, the others have none; mode `none` has no password. A password
 * is kept while the mode stays, and dropped with a mode change (it belonged to the other central system).
 */
export function changeChargerUpstream(
  current: ChargerUpstream,
  change: ChargerUpstreamChange,
): ChargerUpstream {
  const mode = change.upstreamMode ?? impliedMode(current.upstreamMode, change.upstreamUrl);
  if (mode !== 'own' && typeof change.upstreamUrl === 'string') {
    throw new InvalidUpstreamError(`upstreamUrl is only for upstreamMode own (got upstreamMode ${mode})`);
  }
  if (mode === 'none' && typeof change.upstreamPassword === 'string') {
    throw new InvalidUpstreamError('upstreamPassword cannot be set with upstreamMode none');
  }
  const keptUrl = mode === current.upstreamMode ? current.upstreamUrl : null;
  const url = mode === 'own' ? (change.upstreamUrl !== undefined ? change.upstreamUrl : keptUrl) : null;
  if (mode === 'own' && url === null) {
    throw new InvalidUpstreamError('upstreamMode own needs an upstreamUrl');
  }
  const keptPassword = mode === current.upstreamMode ? current.upstreamPassword : null;
  const givenOrKept = change.upstreamPassword !== undefined ? change.upstreamPassword : keptPassword;
  const password = mode === 'none' ? null : givenOrKept;
  return { upstreamMode: mode, upstreamUrl: url, upstreamPassword: password };
}

function impliedMode(current: UpstreamMode, url: string | null | undefined): UpstreamMode {
  if (typeof url === 'string') return 'own';
  if (url === null && current === 'own') return 'site';
  return current;
}

/** Whether a request touches the upstream settings at all. */
export function changesUpstream(change: ChargerUpstreamChange): boolean {
  return [change.upstreamMode, change.upstreamUrl, change.upstreamPassword].some((v) => v !== undefined);
}
