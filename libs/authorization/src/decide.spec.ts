import { idTagInfo16, idTokenInfo201 } from '@gridflex/ocpp';
import { decide, DecisionInputs, ListedIdToken, ownStatus } from './decide';

const SITE = 'site-a';
const AT = new Date('2026-06-01T12:00:00Z');

function token(fields: Partial<ListedIdToken> = {}): ListedIdToken {
  return {
    idToken: 'CARD-1',
    type: 'ISO14443',
    status: 'Accepted',
    expiresAt: null,
    parentIdToken: null,
    siteId: null,
    ...fields,
  };
}

function inputs(fields: Partial<DecisionInputs> = {}): DecisionInputs {
  return {
    policy: 'list',
    siteId: SITE,
    presented: { idToken: 'card-1' },
    token: token(),
    parent: null,
    at: AT,
    ...fields,
  };
}

describe('decide', () => {
  it('accepts an unknown token under acceptAll and not under list', () => {
    expect(decide(inputs({ policy: 'acceptAll', token: null }))).toEqual({ status: 'Accepted' });
    expect(decide(inputs({ policy: 'list', token: null }))).toEqual({ status: 'Unknown' });
  });

  it('accepts a listed token with its expiry and group', () => {
    const expiresAt = new Date('2026-07-01T00:00:00Z');
    expect(decide(inputs({ token: token({ expiresAt, parentIdToken: 'FLEET' }) }))).toEqual({
      status: 'Accepted',
      expiryDate: '2026-07-01T00:00:00.000Z',
      parentIdTag: 'FLEET',
    });
  });

  it('refuses a token whose expiry has come, at its very instant', () => {
    expect(decide(inputs({ token: token({ expiresAt: AT }) }))).toEqual({ status: 'Expired' });
    expect(decide(inputs({ token: token({ expiresAt: new Date(AT.getTime() + 1) }) })).status).toBe(
      'Accepted',
    );
  });

  it('gives a token its own refusal under either policy', () => {
    for (const policy of ['acceptAll', 'list'] as const) {
      expect(decide(inputs({ policy, token: token({ status: 'Blocked' }) }))).toEqual({ status: 'Blocked' });
      expect(decide(inputs({ policy, token: token({ status: 'Invalid' }) }))).toEqual({ status: 'Invalid' });
      expect(decide(inputs({ policy, token: token({ status: 'Expired' }) }))).toEqual({ status: 'Expired' });
    }
  });

  it('refuses a token restricted to another site, and accepts it at its own', () => {
    expect(decide(inputs({ token: token({ siteId: 'site-b' }) }))).toEqual({ status: 'NotAtThisLocation' });
    expect(decide(inputs({ token: token({ siteId: SITE }) })).status).toBe('Accepted');
  });

  it('stops the members of a blocked or expired group', () => {
    const member = token({ parentIdToken: 'FLEET' });
    const group = (fields: Partial<ListedIdToken>) => token({ idToken: 'FLEET', ...fields });
    expect(decide(inputs({ token: member, parent: group({ status: 'Blocked' }) }))).toEqual({
      status: 'Blocked',
    });
    expect(decide(inputs({ token: member, parent: group({ expiresAt: AT }) }))).toEqual({
      status: 'Expired',
    });
    expect(decide(inputs({ token: member, parent: group({}) })).status).toBe('Accepted');
  });

  it('takes a 2.0.1 token of another type for another token', () => {
    const presented = { idToken: 'CARD-1', type: 'eMAID' };
    expect(decide(inputs({ presented })).status).toBe('Unknown');
    expect(decide(inputs({ presented, policy: 'acceptAll' })).status).toBe('Accepted');
    expect(decide(inputs({ presented: { idToken: 'CARD-1', type: 'ISO14443' } })).status).toBe('Accepted');
  });

  it('reads the expiry into the status', () => {
    expect(ownStatus({ status: 'Accepted', expiresAt: new Date(AT.getTime() - 1) }, AT)).toBe('Expired');
    expect(ownStatus({ status: 'Blocked', expiresAt: null }, AT)).toBe('Blocked');
  });
});

describe('the decision in each version', () => {
  it('tells a 1.6 charger Invalid for what 1.6 has no status for', () => {
    expect(idTagInfo16({ status: 'Unknown' })).toEqual({ status: 'Invalid' });
    expect(idTagInfo16({ status: 'NotAtThisLocation' })).toEqual({ status: 'Invalid' });
    expect(idTokenInfo201({ status: 'NotAtThisLocation' })).toEqual({ status: 'NotAtThisLocation' });
  });

  it('names the group and expiry in each version, a group too long for 1.6 left out', () => {
    const decision = {
      status: 'Accepted',
      expiryDate: '2026-07-01T00:00:00.000Z',
      parentIdTag: 'FLEET',
    } as const;
    expect(idTagInfo16(decision)).toEqual(decision);
    expect(idTokenInfo201(decision)).toEqual({
      status: 'Accepted',
      cacheExpiryDateTime: '2026-07-01T00:00:00.000Z',
      groupIdToken: { idToken: 'FLEET', type: 'Central' },
    });
    expect(idTagInfo16({ status: 'Accepted', parentIdTag: 'G'.repeat(21) })).toEqual({ status: 'Accepted' });
  });
});
