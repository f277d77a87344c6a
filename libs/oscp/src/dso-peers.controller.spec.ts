import request from 'supertest';
import { hashToken } from '@gridflex/common';
import { schema } from '@gridflex/persistence';
import { OscpTestApp, startOscpTestApp, TEST_ADMIN_API_KEY } from './testing/oscp-test-app';

const PATH = '/api/v1/dso-peers';
const TOKEN = 'dso-secret-token-0123456789abcdef';

describe('DSO peers admin API', () => {
  let oscp: OscpTestApp;
  /** Every response body, to check that no token ever comes back. */
  const bodies: string[] = [];

  beforeAll(async () => {
    oscp = await startOscpTestApp();
  });

  afterAll(async () => {
    await oscp.close();
  });

  beforeEach(async () => {
    await oscp.db.delete(schema.dsoPeers);
  });

  const record = (response: request.Response) => {
    bodies.push(response.text);
    return response;
  };
  const admin = {
    post: async (body: unknown) =>
      record(
        await request(oscp.url)
          .post(PATH)
          .set('X-API-Key', TEST_ADMIN_API_KEY)
          .send(body as object),
      ),
    get: async (path = '') =>
      record(await request(oscp.url).get(`${PATH}${path}`).set('X-API-Key', TEST_ADMIN_API_KEY)),
  };
  const peerCount = () => oscp.db.$count(schema.dsoPeers);

  describe('X-API-Key', () => {
    it.each([
      ['POST', () => request(oscp.url).post(PATH).send({ name: 'dso', token: TOKEN })],
      ['GET', () => request(oscp.url).get(PATH)],
    ])('401 on %s without the header', async (_method, send) => {
      const response = record(await send());
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ message: 'Missing X-API-Key header' });
      expect(await peerCount()).toBe(0);
    });

    it('401 with a wrong key', async () => {
      const response = record(
        await request(oscp.url).post(PATH).set('X-API-Key', 'wrong-key').send({ name: 'dso', token: TOKEN }),
      );
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ message: 'Invalid API key' });
      expect(await peerCount()).toBe(0);
    });
  });

  describe('POST', () => {
    it('201 with id, name and createdAt; stores only the hash of the token', async () => {
      const response = await admin.post({ name: 'Stedin', token: TOKEN });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(String),
        name: 'Stedin',
        createdAt: expect.any(String),
        baseUrl: null,
        groupIds: [],
        canCallPeer: false,
        options: {},
        registration: 'PENDING',
        link: 'UNKNOWN',
        linkChangedAt: null,
        peerRequiredBehaviour: null,
        lastHeartbeatAt: null,
        offlineModeAt: null,
      });
      expect(Number.isNaN(Date.parse(response.body.createdAt))).toBe(false);
      const rows = await oscp.db.select().from(schema.dsoPeers);
      expect(rows).toEqual([expect.objectContaining({ id: response.body.id, tokenHash: hashToken(TOKEN) })]);
      expect(JSON.stringify(rows)).not.toContain(TOKEN);
    });

    it('201 with base URL, options and a peer token that is stored sealed and never shown', async () => {
      const options = {
        paths: { handshake_acknowledge: 'handshake_acknowledgment' },
        headers: { apikey: 'static-key' },
        measurementMessage: 'ASSET',
        combinedAssetId: 'depot-chargers',
        phaseAll: 'TOTAL',
        nominalVoltageV: 400,
        sendHeartbeats: false,
        offlineDetection: false,
        safeDefaultA: 10,
        gapCapacity: { capacity: 11, unit: 'KW' },
      };
      const response = await admin.post({
        name: 'Vector',
        token: TOKEN,
        baseUrl: 'https://dso.example/oscp/cp/2.0',
        peerToken: 'peer-token-0123456789abcdef',
        options,
      });

      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        baseUrl: 'https://dso.example/oscp/cp/2.0',
        canCallPeer: true,
        options,
      });
      const [row] = await oscp.db.select().from(schema.dsoPeers);
      expect(row.outboundTokenSealed).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toContain('peer-token-0123456789abcdef');
    });

    it.each<[string, unknown, string, RegExp]>([
      [
        'baseUrl with a trailing slash',
        { name: 'd', token: TOKEN, baseUrl: 'http://x/oscp/' },
        'baseUrl',
        /without a trailing slash/,
      ],
      [
        'baseUrl not http',
        { name: 'd', token: TOKEN, baseUrl: 'ftp://x/oscp' },
        'baseUrl',
        /http:\/\/ or https:\/\//,
      ],
      ['short peerToken', { name: 'd', token: TOKEN, peerToken: 'short' }, 'peerToken', /16 to 512/],
      [
        'groupIds not an array',
        { name: 'd', token: TOKEN, groupIds: 'grp-a' },
        'groupIds',
        /must be an array/,
      ],
      [
        'a group id that is not a string',
        { name: 'd', token: TOKEN, groupIds: ['grp-a', 7] },
        'groupIds',
        /each of groupIds must be a string/,
      ],
      [
        'an empty group id',
        { name: 'd', token: TOKEN, groupIds: [''] },
        'groupIds',
        /each of groupIds must be 1 to 100 characters long/,
      ],
      [
        'a group named twice',
        { name: 'd', token: TOKEN, groupIds: ['grp-a', 'grp-a'] },
        'groupIds',
        /must not name a group twice/,
      ],
      [
        'unknown option',
        { name: 'd', token: TOKEN, options: { colour: 'red' } },
        'options.colour',
        /should not exist/,
      ],
      [
        'unknown measurement message',
        { name: 'd', token: TOKEN, options: { measurementMessage: 'BOTH' } },
        'options.measurementMessage',
        /GROUP, ASSET/,
      ],
      [
        'an empty combined asset id',
        { name: 'd', token: TOKEN, options: { combinedAssetId: '' } },
        'options.combinedAssetId',
        /1 to 64 characters/,
      ],
      [
        'unknown phaseAll',
        { name: 'd', token: TOKEN, options: { phaseAll: 'EACH' } },
        'options.phaseAll',
        /PER_PHASE, TOTAL/,
      ],
      [
        'voltage as a string',
        { name: 'd', token: TOKEN, options: { nominalVoltageV: '230' } },
        'options.nominalVoltageV',
        /number of volts/,
      ],
      [
        'negative safe default',
        { name: 'd', token: TOKEN, options: { safeDefaultA: -1 } },
        'options.safeDefaultA',
        /not be less than 0/,
      ],
      ...[
        ['a gap capacity that is a word', 'LAST'],
        ['a gap capacity without a unit', { capacity: 11 }],
        ['a gap capacity in kWh', { capacity: 11, unit: 'KWH' }],
        ['a negative gap capacity', { capacity: -1, unit: 'A' }],
        ['a gap capacity with an extra field', { capacity: 11, unit: 'A', phase: 'ONE' }],
      ].map(([name, gapCapacity]): [string, unknown, string, RegExp] => [
        name as string,
        { name: 'd', token: TOKEN, options: { gapCapacity } },
        'options.gapCapacity',
        /must be "FALLBACK" or \{"capacity"/,
      ]),
      [
        'a path override with a scheme',
        { name: 'd', token: TOKEN, options: { paths: { heartbeat: 'http://evil/hb' } } },
        'options.paths.heartbeat',
        /relative URL path/,
      ],
      [
        'a header overriding Authorization',
        { name: 'd', token: TOKEN, options: { headers: { Authorization: 'x' } } },
        'options.headers',
        /may not set/,
      ],
      [
        'a header with a newline',
        { name: 'd', token: TOKEN, options: { headers: { apikey: 'a\nb' } } },
        'options.headers',
        /printable ASCII/,
      ],
      [
        'sendHeartbeats as a string',
        { name: 'd', token: TOKEN, options: { sendHeartbeats: 'no' } },
        'options.sendHeartbeats',
        /boolean/,
      ],
      ['missing name', { token: TOKEN }, 'name', /name must be a string/],
      ['empty name', { name: '', token: TOKEN }, 'name', /name must be longer than or equal to 1/],
      ['blank name', { name: '   ', token: TOKEN }, 'name', /name must not be blank/],
      [
        'name over 100 characters',
        { name: 'n'.repeat(101), token: TOKEN },
        'name',
        /shorter than or equal to 100/,
      ],
      ['non-string name', { name: 7, token: TOKEN }, 'name', /name must be a string/],
      ['missing token', { name: 'dso' }, 'token', /token must be a string/],
      [
        'token under 16 characters',
        { name: 'dso', token: 'x'.repeat(15) },
        'token',
        /16 to 512 printable ASCII/,
      ],
      [
        'token over 512 characters',
        { name: 'dso', token: 'x'.repeat(513) },
        'token',
        /16 to 512 printable ASCII/,
      ],
      ['token with a space', { name: 'dso', token: 'abcdefgh ijklmnopq' }, 'token', /without whitespace/],
      ['token with a tab', { name: 'dso', token: 'abcdefgh\tijklmnopq' }, 'token', /without whitespace/],
      ['token with non-ASCII', { name: 'dso', token: 'abcdefghijklmnopé' }, 'token', /printable ASCII/],
      [
        'unknown field',
        { name: 'dso', token: TOKEN, role: 'admin' },
        'role',
        /property role should not exist/,
      ],
    ])('400 for %s, naming the field, storing nothing', async (_case, body, field, message) => {
      const response = await admin.post(body);

      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { field, messages: expect.arrayContaining([expect.stringMatching(message)]) },
        ]),
      );
      expect(await peerCount()).toBe(0);
    });

    it('409 for a duplicate name, storing nothing', async () => {
      await admin.post({ name: 'Stedin', token: TOKEN });
      const response = await admin.post({ name: 'Stedin', token: `${TOKEN}-other` });

      expect(response.status).toBe(409);
      expect(response.body).toEqual({ message: 'A DSO peer named "Stedin" already exists' });
      expect(await peerCount()).toBe(1);
    });

    it('binds the groups given, shown sorted in the answer and in GET', async () => {
      const response = await admin.post({ name: 'Stedin', token: TOKEN, groupIds: ['grp-b', 'grp-a'] });

      expect(response.status).toBe(201);
      expect(response.body.groupIds).toEqual(['grp-a', 'grp-b']);
      expect((await admin.get(`/${response.body.id}`)).body.groupIds).toEqual(['grp-a', 'grp-b']);
      expect((await admin.get()).body.map((peer: { groupIds: string[] }) => peer.groupIds)).toEqual([
        ['grp-a', 'grp-b'],
      ]);
    });

    it('409 for a group bound to another peer, naming both, storing nothing', async () => {
      await admin.post({ name: 'Stedin', token: TOKEN, groupIds: ['grp-a'] });

      const response = await admin.post({
        name: 'Enexis',
        token: `${TOKEN}-2`,
        groupIds: ['grp-z', 'grp-a'],
      });

      expect(response.status).toBe(409);
      expect(response.body).toEqual({
        message:
          'Group "grp-a" is already bound to DSO peer "Stedin": unbind it there first ' +
          '(a group is governed by one DSO peer only)',
      });
      expect(await peerCount()).toBe(1);
      expect(await oscp.db.select().from(schema.dsoPeerGroups)).toEqual([
        expect.objectContaining({ groupId: 'grp-a' }),
      ]);
    });

    it('409 for a duplicate token, storing nothing', async () => {
      await admin.post({ name: 'Stedin', token: TOKEN });
      const response = await admin.post({ name: 'Enexis', token: TOKEN });

      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/token is already held by another DSO peer/);
      expect(await peerCount()).toBe(1);
    });
  });

  describe('PATCH', () => {
    const patch = async (id: string, body: unknown) =>
      record(
        await request(oscp.url)
          .patch(`${PATH}/${id}`)
          .set('X-API-Key', TEST_ADMIN_API_KEY)
          .send(body as object),
      );

    it('changes the base URL, the peer token (sealed) and replaces the options', async () => {
      const created = (await admin.post({ name: 'Stedin', token: TOKEN, options: { sendHeartbeats: false } }))
        .body;

      const response = await patch(created.id, {
        baseUrl: 'https://dso.example/oscp/2.0',
        peerToken: 'new-peer-token-0123456789',
        options: { phaseAll: 'TOTAL' },
      });

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        baseUrl: 'https://dso.example/oscp/2.0',
        canCallPeer: true,
        options: { phaseAll: 'TOTAL' },
      });
      const [row] = await oscp.db.select().from(schema.dsoPeers);
      expect(row.tokenHash).toBe(hashToken(TOKEN));
      expect(JSON.stringify(row)).not.toContain('new-peer-token-0123456789');
    });

    it('forgets the base URL with null', async () => {
      const created = (await admin.post({ name: 'Stedin', token: TOKEN, baseUrl: 'http://dso/oscp' })).body;
      expect((await patch(created.id, { baseUrl: null })).body.baseUrl).toBeNull();
    });

    it.each<[string, unknown, RegExp]>([
      ['a bad base URL', { baseUrl: 'dso.example' }, /baseUrl must be an http/],
      ['a bad option', { options: { phaseAll: 'BOTH' } }, /options\.phaseAll/],
      ['the inbound token', { token: TOKEN }, /property token should not exist/],
      ['groupIds null', { groupIds: null }, /groupIds must be an array/],
    ])('400 for %s, changing nothing', async (_case, body, message) => {
      const created = (await admin.post({ name: 'Stedin', token: TOKEN, options: { sendHeartbeats: false } }))
        .body;
      const response = await patch(created.id, body);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
      expect((await admin.get(`/${created.id}`)).body).toEqual(created);
    });

    it('404 for an unknown peer', async () => {
      expect((await patch('3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b', {})).status).toBe(404);
    });

    it('replaces the bound groups with groupIds, and leaves them alone without it', async () => {
      const created = (await admin.post({ name: 'Stedin', token: TOKEN, groupIds: ['grp-a', 'grp-b'] })).body;

      expect((await patch(created.id, { groupIds: ['grp-c', 'grp-b'] })).body.groupIds).toEqual([
        'grp-b',
        'grp-c',
      ]);
      expect((await patch(created.id, { baseUrl: 'http://dso/oscp' })).body.groupIds).toEqual([
        'grp-b',
        'grp-c',
      ]);
      expect((await patch(created.id, { groupIds: [] })).body.groupIds).toEqual([]);
    });

    it('moves a group once the other peer has let it go', async () => {
      const stedin = (await admin.post({ name: 'Stedin', token: TOKEN, groupIds: ['grp-a'] })).body;
      const enexis = (await admin.post({ name: 'Enexis', token: `${TOKEN}-2` })).body;

      expect((await patch(stedin.id, { groupIds: [] })).status).toBe(200);
      const moved = await patch(enexis.id, { groupIds: ['grp-a'] });

      expect(moved.status).toBe(200);
      expect(moved.body.groupIds).toEqual(['grp-a']);
    });

    it('409 for a group bound to another peer, changing nothing', async () => {
      await admin.post({ name: 'Stedin', token: TOKEN, groupIds: ['grp-a'] });
      const enexis = (await admin.post({ name: 'Enexis', token: `${TOKEN}-2`, groupIds: ['grp-e'] })).body;

      const response = await patch(enexis.id, { groupIds: ['grp-a'], baseUrl: 'http://enexis/oscp' });

      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/^Group "grp-a" is already bound to DSO peer "Stedin"/);
      expect((await admin.get(`/${enexis.id}`)).body).toEqual(enexis);
    });
  });

  describe('GET', () => {
    it('lists the peers by name without token data', async () => {
      await admin.post({ name: 'Stedin', token: TOKEN });
      await admin.post({ name: 'Enexis', token: `${TOKEN}-2` });

      const response = await admin.get();

      expect(response.status).toBe(200);
      expect(response.body.map((peer: { name: string }) => peer.name)).toEqual(['Enexis', 'Stedin']);
      for (const peer of response.body) expect(JSON.stringify(peer)).not.toMatch(/token"|tokenHash|Sealed/i);
    });

    it('gets one peer by id', async () => {
      const created = (await admin.post({ name: 'Stedin', token: TOKEN })).body;

      const response = await admin.get(`/${created.id}`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual(created);
    });

    it('400 for an id that is not a UUID', async () => {
      const response = await admin.get('/not-a-uuid');
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/uuid/i);
    });

    it('404 for an unknown id', async () => {
      const response = await admin.get('/3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b');
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ message: 'No DSO peer with id 3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b' });
    });
  });

  it('never returns nor logs a token or its hash', () => {
    const seen = [...bodies, ...oscp.logs].join('\n');
    expect(bodies.length).toBeGreaterThan(10);
    for (const secret of [TOKEN, hashToken(TOKEN), `${TOKEN}-2`, `${TOKEN}-other`]) {
      expect(seen).not.toContain(secret);
    }
  });
});
