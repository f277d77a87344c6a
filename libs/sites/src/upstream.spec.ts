import {
  changeChargerUpstream,
  ChargerUpstream,
  effectiveUpstream,
  InvalidUpstreamError,
  NO_CHARGER_UPSTREAM,
} from './upstream';

const SITE = { upstreamUrl: 'wss://site.example/ocpp', upstreamPassword: 'site-secret' };
const NO_SITE_DEFAULT = { upstreamUrl: null, upstreamPassword: null };
const OWN: ChargerUpstream = { upstreamMode: 'own', upstreamUrl: 'ws://own/csms', upstreamPassword: 'own' };

describe('effectiveUpstream', () => {
  it("takes the charger's own upstream in mode own, whatever the site says", () => {
    expect(effectiveUpstream(OWN, SITE)).toEqual({
      url: 'ws://own/csms',
      source: 'charger',
      passwordSet: true,
    });
    expect(effectiveUpstream({ ...OWN, upstreamPassword: null }, NO_SITE_DEFAULT)).toEqual({
      url: 'ws://own/csms',
      source: 'charger',
      passwordSet: false,
    });
  });

  it("follows the site's default in mode site, with the charger's own password before the site's", () => {
    expect(effectiveUpstream(NO_CHARGER_UPSTREAM, SITE)).toEqual({
      url: SITE.upstreamUrl,
      source: 'site',
      passwordSet: true,
    });
    const ownPassword = { ...NO_CHARGER_UPSTREAM, upstreamPassword: 'mine' };
    expect(effectiveUpstream(ownPassword, { ...SITE, upstreamPassword: null })?.passwordSet).toBe(true);
    expect(effectiveUpstream(NO_CHARGER_UPSTREAM, { ...SITE, upstreamPassword: null })?.passwordSet).toBe(
      false,
    );
    expect(effectiveUpstream(NO_CHARGER_UPSTREAM, NO_SITE_DEFAULT)).toBeNull();
  });

  it('is standalone in mode none even when the site has a default', () => {
    expect(effectiveUpstream({ ...NO_CHARGER_UPSTREAM, upstreamMode: 'none' }, SITE)).toBeNull();
  });
});

describe('changeChargerUpstream', () => {
  it('reads a URL alone as mode own, and clearing it alone as back to the site', () => {
    const own = changeChargerUpstream(NO_CHARGER_UPSTREAM, {
      upstreamUrl: 'ws://a/b',
      upstreamPassword: 'p',
    });
    expect(own).toEqual({ upstreamMode: 'own', upstreamUrl: 'ws://a/b', upstreamPassword: 'p' });
    expect(changeChargerUpstream(own, { upstreamUrl: null, upstreamPassword: null })).toEqual(
      NO_CHARGER_UPSTREAM,
    );
  });

  it('keeps the URL and password while the mode stays, and drops them with a mode change', () => {
    expect(changeChargerUpstream(OWN, { upstreamPassword: 'new' })).toEqual({
      ...OWN,
      upstreamPassword: 'new',
    });
    expect(changeChargerUpstream(OWN, { upstreamMode: 'own' })).toEqual(OWN);
    expect(changeChargerUpstream(OWN, { upstreamMode: 'site' })).toEqual(NO_CHARGER_UPSTREAM);
    expect(changeChargerUpstream(OWN, { upstreamMode: 'none' })).toEqual({
      upstreamMode: 'none',
      upstreamUrl: null,
      upstreamPassword: null,
    });
    const sitePassword = changeChargerUpstream(NO_CHARGER_UPSTREAM, { upstreamPassword: 'per-charger' });
    expect(sitePassword).toEqual({ ...NO_CHARGER_UPSTREAM, upstreamPassword: 'per-charger' });
  });

  it('refuses combinations that cannot mean anything', () => {
    const refused = (change: Parameters<typeof changeChargerUpstream>[1], current = NO_CHARGER_UPSTREAM) => {
      try {
        changeChargerUpstream(current, change);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidUpstreamError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ upstreamMode: 'own' })).toBe('upstreamMode own needs an upstreamUrl');
    expect(refused({ upstreamMode: 'site', upstreamUrl: 'ws://a/b' })).toBe(
      'upstreamUrl is only for upstreamMode own (got upstreamMode site)',
    );
    expect(refused({ upstreamMode: 'none', upstreamPassword: 'p' })).toBe(
      'upstreamPassword cannot be set with upstreamMode none',
    );
    expect(refused({ upstreamUrl: null, upstreamMode: 'own' }, OWN)).toBe(
      'upstreamMode own needs an upstreamUrl',
    );
  });
});
