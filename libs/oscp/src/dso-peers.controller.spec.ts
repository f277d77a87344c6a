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
      });
      expect(Number.isNaN(Date.parse(response.body.createdAt))).toBe(false);
      const rows = await oscp.db.select().from(schema.dsoPeers);
      expect(rows).toEqual([expect.objectContaining({ id: response.body.id, tokenHash: hashToken(TOKEN) })]);
      expect(JSON.stringify(rows)).not.toContain(TOKEN);
    });

    it.each<[string, unknown, string, RegExp]>([
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

    it('409 for a duplicate token, storing nothing', async () => {
      await admin.post({ name: 'Stedin', token: TOKEN });
      const response = await admin.post({ name: 'Enexis', token: TOKEN });

      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/token is already held by another DSO peer/);
      expect(await peerCount()).toBe(1);
    });
  });

  describe('GET', () => {
    it('lists the peers by name without token data', async () => {
      await admin.post({ name: 'Stedin', token: TOKEN });
      await admin.post({ name: 'Enexis', token: `${TOKEN}-2` });

      const response = await admin.get();

      expect(response.status).toBe(200);
      expect(response.body.map((peer: { name: string }) => peer.name)).toEqual(['Enexis', 'Stedin']);
      for (const peer of response.body) expect(Object.keys(peer).sort()).toEqual(['createdAt', 'id', 'name']);
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
