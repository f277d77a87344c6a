import { ListedIdToken, tokenKey } from './decide';
import {
  diffLocalList,
  fitLocalList,
  localListEntries,
  reportedListVersion,
  sendLocalListRequest,
  sendLocalListRequests,
} from './local-auth-list';

const SITE = 'site-a';
const AT = new Date('2026-06-01T12:00:00Z');

function token(idToken: string, fields: Partial<ListedIdToken> = {}): ListedIdToken {
  return {
    idToken,
    type: 'ISO14443',
    status: 'Accepted',
    expiresAt: null,
    parentIdToken: null,
    siteId: null,
    ...fields,
  };
}

describe('local auth list', () => {
  const fleet = token('FLEET', { status: 'Blocked' });
  const listed = [
    token('b-card'),
    token('A-CARD', { parentIdToken: 'fleet' }),
    token('E-MAID-THAT-IS-LONGER-THAN-20', { type: 'eMAID' }),
  ];
  const parents = new Map([[tokenKey(fleet.idToken), fleet]]);

  it('lists every token with the status it has offline, in a stable order; 1.6 only those of ≤ 20 characters', () => {
    expect(localListEntries(listed, parents, SITE, '2.0.1', AT)).toEqual([
      { idToken: 'A-CARD', type: 'ISO14443', status: 'Blocked', parentIdTag: 'fleet' },
      { idToken: 'b-card', type: 'ISO14443', status: 'Accepted' },
      { idToken: 'E-MAID-THAT-IS-LONGER-THAN-20', type: 'eMAID', status: 'Accepted' },
    ]);
    expect(localListEntries(listed, parents, SITE, '1.6', AT).map((entry) => entry.idToken)).toEqual([
      'A-CARD',
      'b-card',
    ]);
  });

  it('sends only the changes, removals (first) as entries without their info', () => {
    const before = localListEntries([token('a'), token('b'), token('c')], new Map(), SITE, '1.6', AT);
    const after = localListEntries(
      [token('a'), token('b', { status: 'Blocked' }), token('d')],
      new Map(),
      SITE,
      '1.6',
      AT,
    );
    const update = diffLocalList(before, after);
    expect(update).toEqual({
      upserts: [
        { idToken: 'b', type: 'ISO14443', status: 'Blocked' },
        { idToken: 'd', type: 'ISO14443', status: 'Accepted' },
      ],
      removals: [{ idToken: 'c', type: 'ISO14443' }],
    });
    expect(sendLocalListRequest('1.6', 7, 'Differential', update)).toEqual({
      listVersion: 7,
      updateType: 'Differential',
      localAuthorizationList: [
        { idTag: 'c' },
        { idTag: 'b', idTagInfo: { status: 'Blocked' } },
        { idTag: 'd', idTagInfo: { status: 'Accepted' } },
      ],
    });
    expect(sendLocalListRequest('2.0.1', 7, 'Differential', update)).toEqual({
      versionNumber: 7,
      updateType: 'Differential',
      localAuthorizationList: [
        { idToken: { idToken: 'c', type: 'ISO14443' } },
        { idToken: { idToken: 'b', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } },
        { idToken: { idToken: 'd', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } },
      ],
    });
  });

  it('leaves out an empty list, which 2.0.1 does not allow', () => {
    const empty = { upserts: [], removals: [] };
    expect(sendLocalListRequest('2.0.1', 3, 'Full', empty)).toEqual({ versionNumber: 3, updateType: 'Full' });
    expect(sendLocalListRequest('1.6', 3, 'Full', empty)).toEqual({ listVersion: 3, updateType: 'Full' });
  });

  it('splits a list into requests of at most the items a message may carry, with rising versions', () => {
    const update = {
      upserts: ['a', 'b', 'c'].map((idToken) => ({ idToken, type: 'ISO14443', status: 'Accepted' })),
      removals: [{ idToken: 'z', type: 'ISO14443' }],
    };
    type Request16 = { updateType: string; listVersion: number; localAuthorizationList: { idTag: string }[] };
    const pieces = (split: { requests: object[] }) =>
      (split.requests as Request16[]).map((r) => [
        r.updateType,
        r.listVersion,
        r.localAuthorizationList.map((e) => e.idTag),
      ]);
    // Room below the site's version: the last piece carries it.
    const roomy = sendLocalListRequests('1.6', { siteVersion: 9, heldVersion: 4 }, 'Differential', update, 3);
    expect(pieces(roomy)).toEqual([
      ['Differential', 8, ['z', 'a', 'b']],
      ['Differential', 9, ['c']],
    ]);
    expect(roomy.listVersion).toBe(9);
    // No room: every Differential still goes above what the charger holds.
    const tight = sendLocalListRequests('1.6', { siteVersion: 9, heldVersion: 9 }, 'Full', update, 2);
    expect(pieces(tight)).toEqual([
      ['Full', 10, ['z', 'a']],
      ['Differential', 11, ['b', 'c']],
    ]);
    expect(tight.listVersion).toBe(11);

    const whole = sendLocalListRequests('1.6', { siteVersion: 9, heldVersion: 8 }, 'Full', update, null);
    expect(whole.requests).toHaveLength(1);
    expect(whole.listVersion).toBe(9);
    const empty = { upserts: [], removals: [] };
    expect(sendLocalListRequests('2.0.1', { siteVersion: 3, heldVersion: 0 }, 'Full', empty, 3)).toEqual({
      requests: [{ versionNumber: 3, updateType: 'Full' }],
      listVersion: 3,
    });
  });

  it('keeps the accepted entries first when the charger holds fewer than the list', () => {
    const entries = [
      { idToken: 'a', type: 'ISO14443', status: 'Blocked' },
      { idToken: 'b', type: 'ISO14443', status: 'Accepted' },
      { idToken: 'c', type: 'ISO14443', status: 'Expired' },
      { idToken: 'd', type: 'ISO14443', status: 'Accepted' },
    ];
    expect(fitLocalList(entries, null)).toEqual({ entries, omitted: 0 });
    expect(fitLocalList(entries, 3)).toEqual({ entries: [entries[0], entries[1], entries[3]], omitted: 1 });
    expect(fitLocalList(entries, 1)).toEqual({ entries: [entries[1]], omitted: 3 });
  });

  it('reads the version each protocol reports', () => {
    expect(reportedListVersion('1.6', { listVersion: 4 })).toBe(4);
    expect(reportedListVersion('2.0.1', { versionNumber: 5 })).toBe(5);
  });
});
